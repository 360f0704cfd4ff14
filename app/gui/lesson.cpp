#include "lesson.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>

#include "lessontext.h"
#include "nets/spec.h"
#include "train/config.h"
#include "train/presets.h"

QString LessonText::in(const QString& language) const {
    if (const auto it = byLanguage.constFind(language); it != byLanguage.cend())
        return *it;
    if (const auto it = byLanguage.constFind(QStringLiteral("en")); it != byLanguage.cend())
        return *it;
    return byLanguage.isEmpty() ? QString() : byLanguage.first();
}

namespace lessonfile {

namespace {

constexpr qint64 kMaxFileBytes = 4 << 20; // a lesson is a few kilobytes of text
constexpr int kMaxSteps = 100;
constexpr qint64 kMaxTrainSteps = 10'000'000;
const QString kFormat = QStringLiteral("reslab-lesson");

/// The context of this file's messages for Qt's translation tools.
struct LessonFileTr {
    Q_DECLARE_TR_FUNCTIONS(lessonfile)
};

/// A parse error that names the field it is about.
struct FieldError : std::runtime_error {
    FieldError(const QString& field, const QString& why)
        : std::runtime_error((field + QStringLiteral(": ") + why).toStdString()) {}
};

QString typeName(const QJsonValue& v) {
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("true/false");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a text");
    case QJsonValue::Array:
        return QStringLiteral("a list");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    default:
        return QStringLiteral("nothing");
    }
}

void checkKeys(const QJsonObject& object, const QString& field, const QStringList& known) {
    for (const QString& key : object.keys())
        if (!known.contains(key))
            throw FieldError(field.isEmpty() ? key : field + QLatin1Char('.') + key,
                             LessonFileTr::tr("this field is unknown; the fields here are %1")
                                 .arg(known.join(QStringLiteral(", "))));
}

QString text(const QJsonObject& o, const QString& key, const QString& field, bool required) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined() && !required)
        return QString();
    if (!v.isString())
        throw FieldError(field, LessonFileTr::tr("expected a text, found %1").arg(typeName(v)));
    return v.toString();
}

LessonText lessonText(const QJsonValue& v, const QString& field, bool required) {
    LessonText t;
    if (v.isUndefined() && !required)
        return t;
    if (v.isString()) {
        t.byLanguage.insert(QStringLiteral("en"), v.toString());
    } else if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!QRegularExpression(QStringLiteral("^[a-z]{2}$")).match(it.key()).hasMatch())
                throw FieldError(field + QLatin1Char('.') + it.key(),
                                 LessonFileTr::tr("a language is two lower-case letters (en, ko)"));
            if (!it->isString())
                throw FieldError(field + QLatin1Char('.') + it.key(),
                                 LessonFileTr::tr("expected a text, found %1").arg(typeName(*it)));
            t.byLanguage.insert(it.key(), it->toString());
        }
    } else {
        throw FieldError(field,
                         LessonFileTr::tr("expected a text or {\"en\": ..., \"ko\": ...}, found %1")
                             .arg(typeName(v)));
    }
    if (required && t.isEmpty())
        throw FieldError(field, LessonFileTr::tr("is empty"));
    return t;
}

QStringList
names(const QJsonObject& o, const QString& key, const QString& field, const QStringList& allowed) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return {};
    if (!v.isArray())
        throw FieldError(field,
                         LessonFileTr::tr("expected a list of texts, found %1").arg(typeName(v)));
    QStringList out;
    for (const QJsonValue& item : v.toArray()) {
        if (!item.isString() || !allowed.contains(item.toString()))
            throw FieldError(field, LessonFileTr::tr("'%1' is not one of %2")
                                        .arg(item.isString() ? item.toString() : typeName(item),
                                             allowed.join(QStringLiteral(", "))));
        out << item.toString();
    }
    return out;
}

double number(const QJsonObject& o,
              const QString& key,
              const QString& field,
              double fallback,
              double lo,
              double hi) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return fallback;
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < lo || v.toDouble() > hi)
        throw FieldError(field,
                         LessonFileTr::tr("expected a number from %1 to %2, found %3")
                             .arg(lo)
                             .arg(hi)
                             .arg(v.isDouble() ? QString::number(v.toDouble()) : typeName(v)));
    return v.toDouble();
}

/// Every placeholder of a text names a known quantity and a run of the experiment.
void checkPlaceholders(const LessonText& t, const QString& field, const QStringList& runs) {
    for (auto it = t.byLanguage.cbegin(); it != t.byLanguage.cend(); ++it) {
        QString why;
        if (!lessontext::validate(*it, runs, &why))
            throw FieldError(field + QLatin1Char('.') + it.key(), why);
    }
}

LessonCheck parseCheck(const QJsonValue& v, const QString& field, const QStringList& runs) {
    if (!v.isObject())
        throw FieldError(field, LessonFileTr::tr("expected an object, found %1").arg(typeName(v)));
    const QJsonObject o = v.toObject();
    checkKeys(o, field,
              {QStringLiteral("claim"), QStringLiteral("a"), QStringLiteral("b"),
               QStringLiteral("agrees"), QStringLiteral("disagrees")});
    LessonCheck c;
    const QString claim = text(o, QStringLiteral("claim"), field + QStringLiteral(".claim"), true);
    if (claim == QLatin1String("higher"))
        c.claim = LessonCheck::Claim::Higher;
    else if (claim == QLatin1String("not_higher"))
        c.claim = LessonCheck::Claim::NotHigher;
    else if (claim == QLatin1String("below"))
        c.claim = LessonCheck::Claim::Below;
    else
        throw FieldError(
            field + QStringLiteral(".claim"),
            LessonFileTr::tr("'%1' is not a claim; the claims are higher, not_higher, below")
                .arg(claim));
    c.a = text(o, QStringLiteral("a"), field + QStringLiteral(".a"), true);
    const QJsonValue b = o.value(QStringLiteral("b"));
    c.b = b.isDouble() ? QString::number(b.toDouble(), 'g', 17)
                       : text(o, QStringLiteral("b"), field + QStringLiteral(".b"), true);
    for (const auto& [q, name] :
         {std::pair{c.a, QStringLiteral(".a")}, {c.b, QStringLiteral(".b")}}) {
        bool isNumber = false;
        q.toDouble(&isNumber);
        QString why;
        if (!isNumber && !lessontext::validate(QLatin1Char('{') + q + QLatin1Char('}'), runs, &why))
            throw FieldError(field + name, why);
    }
    c.agrees =
        lessonText(o.value(QStringLiteral("agrees")), field + QStringLiteral(".agrees"), true);
    c.disagrees = lessonText(o.value(QStringLiteral("disagrees")),
                             field + QStringLiteral(".disagrees"), true);
    checkPlaceholders(c.agrees, field + QStringLiteral(".agrees"), runs);
    checkPlaceholders(c.disagrees, field + QStringLiteral(".disagrees"), runs);
    return c;
}

LessonStep parseStep(const QJsonValue& v, const QString& field, const QStringList& runs) {
    if (!v.isObject())
        throw FieldError(field, LessonFileTr::tr("expected an object, found %1").arg(typeName(v)));
    const QJsonObject o = v.toObject();
    checkKeys(o, field,
              {QStringLiteral("title"), QStringLiteral("text"), QStringLiteral("view"),
               QStringLiteral("run"), QStringLiteral("arch"), QStringLiteral("twin"),
               QStringLiteral("layer"), QStringLiteral("image"), QStringLiteral("zoom"),
               QStringLiteral("check")});
    LessonStep s;
    s.title = lessonText(o.value(QStringLiteral("title")), field + QStringLiteral(".title"), true);
    s.text = lessonText(o.value(QStringLiteral("text")), field + QStringLiteral(".text"), true);
    checkPlaceholders(s.title, field + QStringLiteral(".title"), runs);
    checkPlaceholders(s.text, field + QStringLiteral(".text"), runs);
    s.view = text(o, QStringLiteral("view"), field + QStringLiteral(".view"), true);
    if (!viewKeys().contains(s.view))
        throw FieldError(field + QStringLiteral(".view"),
                         LessonFileTr::tr("'%1' is not a view; the views are %2")
                             .arg(s.view, viewKeys().join(QStringLiteral(", "))));
    s.run = text(o, QStringLiteral("run"), field + QStringLiteral(".run"), false);
    if (!s.run.isEmpty() && !runs.contains(s.run))
        throw FieldError(field + QStringLiteral(".run"),
                         LessonFileTr::tr("the experiment has no run '%1'; its runs are %2")
                             .arg(s.run, runs.join(QStringLiteral(", "))));
    s.arch = text(o, QStringLiteral("arch"), field + QStringLiteral(".arch"), false);
    if (!s.arch.isEmpty()) {
        const auto known = reslab::named_spec_names();
        if (std::find(known.begin(), known.end(), s.arch.toStdString()) == known.end())
            throw FieldError(
                field + QStringLiteral(".arch"),
                LessonFileTr::tr("'%1' is not a named net (resnet18, plain56, ...)").arg(s.arch));
    }
    const QJsonValue twin = o.value(QStringLiteral("twin"));
    if (!twin.isUndefined() && !twin.isBool())
        throw FieldError(field + QStringLiteral(".twin"),
                         LessonFileTr::tr("expected true/false, found %1").arg(typeName(twin)));
    s.twin = twin.toBool(false);
    s.layer = text(o, QStringLiteral("layer"), field + QStringLiteral(".layer"), false);
    s.image = text(o, QStringLiteral("image"), field + QStringLiteral(".image"), false);
    s.zoom = number(o, QStringLiteral("zoom"), field + QStringLiteral(".zoom"), 0.0, 0.0, 10.0);
    if (o.contains(QStringLiteral("check")))
        s.check =
            parseCheck(o.value(QStringLiteral("check")), field + QStringLiteral(".check"), runs);
    return s;
}

Lesson parseLesson(const QByteArray& json) {
    QJsonParseError jsonError{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &jsonError);
    if (jsonError.error != QJsonParseError::NoError)
        throw std::runtime_error(LessonFileTr::tr("not JSON (%1 at byte %2)")
                                     .arg(jsonError.errorString())
                                     .arg(jsonError.offset)
                                     .toStdString());
    if (!doc.isObject())
        throw std::runtime_error(
            LessonFileTr::tr("not a lesson: expected a JSON object").toStdString());
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != kFormat)
        throw FieldError(
            QStringLiteral("format"),
            LessonFileTr::tr("expected \"%1\": this is not a ResLab lesson").arg(kFormat));
    const QJsonValue version = root.value(QStringLiteral("version"));
    if (!version.isDouble() || version.toDouble() < 1 ||
        version.toDouble() != std::floor(version.toDouble()))
        throw FieldError(
            QStringLiteral("version"),
            LessonFileTr::tr("expected a whole number from 1, found %1")
                .arg(version.isDouble() ? QString::number(version.toDouble()) : typeName(version)));
    if (version.toDouble() > Lesson::kVersion)
        throw FieldError(
            QStringLiteral("version"),
            LessonFileTr::tr("%1 is newer than this ResLab reads (%2): open it with a newer ResLab")
                .arg(version.toInt())
                .arg(Lesson::kVersion));
    checkKeys(root, QString(),
              {QStringLiteral("format"), QStringLiteral("version"), QStringLiteral("name"),
               QStringLiteral("title"), QStringLiteral("experiment"), QStringLiteral("recording"),
               QStringLiteral("locked"), QStringLiteral("hidden"), QStringLiteral("steps"),
               QStringLiteral("state")});
    Lesson lesson;
    lesson.name = text(root, QStringLiteral("name"), QStringLiteral("name"), false);
    lesson.title = lessonText(root.value(QStringLiteral("title")), QStringLiteral("title"), true);

    const QJsonValue experiment = root.value(QStringLiteral("experiment"));
    if (!experiment.isObject())
        throw FieldError(QStringLiteral("experiment"),
                         LessonFileTr::tr("expected an object with a preset or runs, found %1")
                             .arg(typeName(experiment)));
    const QJsonObject e = experiment.toObject();
    checkKeys(e, QStringLiteral("experiment"),
              {QStringLiteral("preset"), QStringLiteral("runs"), QStringLiteral("steps")});
    lesson.preset = text(e, QStringLiteral("preset"), QStringLiteral("experiment.preset"), false);
    if (e.contains(QStringLiteral("runs"))) {
        if (!lesson.preset.isEmpty())
            throw FieldError(QStringLiteral("experiment"),
                             LessonFileTr::tr("give a preset or runs, not both"));
        const QJsonValue runs = e.value(QStringLiteral("runs"));
        if (!runs.isArray() || runs.toArray().isEmpty())
            throw FieldError(
                QStringLiteral("experiment.runs"),
                LessonFileTr::tr("expected a list of runs (each as a run folder's spec.json)"));
        lesson.runsJson = QJsonDocument(runs.toArray()).toJson(QJsonDocument::Compact);
    } else if (lesson.preset.isEmpty()) {
        throw FieldError(QStringLiteral("experiment"), LessonFileTr::tr("give a preset or runs"));
    }
    lesson.steps =
        static_cast<qint64>(number(e, QStringLiteral("steps"), QStringLiteral("experiment.steps"),
                                   0, 1, static_cast<double>(kMaxTrainSteps)));
    QString runsError;
    const QStringList runs = runNames(lesson, &runsError);
    if (runs.isEmpty())
        throw FieldError(lesson.preset.isEmpty() ? QStringLiteral("experiment.runs")
                                                 : QStringLiteral("experiment.preset"),
                         runsError);

    lesson.recording = text(root, QStringLiteral("recording"), QStringLiteral("recording"), false);
    lesson.locked = names(root, QStringLiteral("locked"), QStringLiteral("locked"),
                          {QStringLiteral("experiment"), QStringLiteral("training")});
    lesson.hidden =
        names(root, QStringLiteral("hidden"), QStringLiteral("hidden"),
              {QStringLiteral("experiment"), QStringLiteral("runs"), QStringLiteral("toolbar")});

    const QJsonValue steps = root.value(QStringLiteral("steps"));
    if (!steps.isArray() || steps.toArray().isEmpty() || steps.toArray().size() > kMaxSteps)
        throw FieldError(QStringLiteral("steps"),
                         LessonFileTr::tr("expected a list of 1 to %1 steps, found %2")
                             .arg(kMaxSteps)
                             .arg(steps.isArray()
                                      ? LessonFileTr::tr("%1 steps").arg(steps.toArray().size())
                                      : typeName(steps)));
    const QJsonArray stepArray = steps.toArray();
    for (int i = 0; i < stepArray.size(); ++i)
        lesson.lessonSteps.push_back(
            parseStep(stepArray[i], QStringLiteral("steps[%1]").arg(i), runs));

    const QJsonValue state = root.value(QStringLiteral("state"));
    if (!state.isUndefined()) {
        if (!state.isObject())
            throw FieldError(QStringLiteral("state"),
                             LessonFileTr::tr("expected an object, found %1").arg(typeName(state)));
        const QJsonObject s = state.toObject();
        checkKeys(s, QStringLiteral("state"),
                  {QStringLiteral("step"), QStringLiteral("replay_speed"),
                   QStringLiteral("replay_position"), QStringLiteral("presenter")});
        lesson.currentStep =
            static_cast<int>(number(s, QStringLiteral("step"), QStringLiteral("state.step"), 0, 0,
                                    static_cast<double>(lesson.lessonSteps.size() - 1)));
        lesson.replaySpeed = number(s, QStringLiteral("replay_speed"),
                                    QStringLiteral("state.replay_speed"), 20.0, 1.0, 50.0);
        lesson.replayPosition =
            number(s, QStringLiteral("replay_position"), QStringLiteral("state.replay_position"),
                   -1.0, -1.0, static_cast<double>(kMaxTrainSteps));
        const QJsonValue presenter = s.value(QStringLiteral("presenter"));
        if (!presenter.isUndefined() && !presenter.isBool())
            throw FieldError(
                QStringLiteral("state.presenter"),
                LessonFileTr::tr("expected true/false, found %1").arg(typeName(presenter)));
        lesson.presenter = presenter.toBool(false);
    }
    return lesson;
}

QJsonValue textJson(const LessonText& t) {
    QJsonObject o;
    for (auto it = t.byLanguage.cbegin(); it != t.byLanguage.cend(); ++it)
        o.insert(it.key(), *it);
    return o;
}

} // namespace

QStringList viewKeys() {
    return {QStringLiteral("curves"),   QStringLiteral("depth-sweep"), QStringLiteral("graph"),
            QStringLiteral("features"), QStringLiteral("gradients"),   QStringLiteral("lesion"),
            QStringLiteral("landscape")};
}

QStringList runNames(const Lesson& lesson, QString* error) {
    QStringList out;
    try {
        if (!lesson.preset.isEmpty()) {
            for (const auto& run :
                 reslab::preset_runs(lesson.preset.toStdString(), reslab::TrainConfig{}, false))
                out << QString::fromStdString(run.name);
        } else {
            const QJsonArray runs = QJsonDocument::fromJson(lesson.runsJson).array();
            for (int i = 0; i < runs.size(); ++i) {
                try {
                    const auto config = reslab::run_config_from_json(
                        QJsonDocument(runs[i].toObject()).toJson().toStdString());
                    out << QString::fromStdString(config.name);
                } catch (const std::exception& e) {
                    throw std::runtime_error(QStringLiteral("[%1]: %2")
                                                 .arg(i)
                                                 .arg(QString::fromStdString(e.what()))
                                                 .toStdString());
                }
            }
        }
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return {};
    }
    return out;
}

std::optional<Lesson> parse(const QByteArray& json, QString* error) {
    try {
        return parseLesson(json);
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return std::nullopt;
    }
}

QByteArray write(const Lesson& lesson) {
    QJsonObject root{{QStringLiteral("format"), kFormat},
                     {QStringLiteral("version"), Lesson::kVersion}};
    if (!lesson.name.isEmpty())
        root.insert(QStringLiteral("name"), lesson.name);
    root.insert(QStringLiteral("title"), textJson(lesson.title));
    QJsonObject experiment;
    if (!lesson.preset.isEmpty())
        experiment.insert(QStringLiteral("preset"), lesson.preset);
    else
        experiment.insert(QStringLiteral("runs"), QJsonDocument::fromJson(lesson.runsJson).array());
    if (lesson.steps > 0)
        experiment.insert(QStringLiteral("steps"), static_cast<double>(lesson.steps));
    root.insert(QStringLiteral("experiment"), experiment);
    if (!lesson.recording.isEmpty())
        root.insert(QStringLiteral("recording"), lesson.recording);
    if (!lesson.locked.isEmpty())
        root.insert(QStringLiteral("locked"), QJsonArray::fromStringList(lesson.locked));
    if (!lesson.hidden.isEmpty())
        root.insert(QStringLiteral("hidden"), QJsonArray::fromStringList(lesson.hidden));
    QJsonArray steps;
    for (const LessonStep& s : lesson.lessonSteps) {
        QJsonObject o{{QStringLiteral("title"), textJson(s.title)},
                      {QStringLiteral("text"), textJson(s.text)},
                      {QStringLiteral("view"), s.view}};
        const std::pair<const char*, QString> optional[] = {
            {"run", s.run}, {"arch", s.arch}, {"layer", s.layer}, {"image", s.image}};
        for (const auto& [key, value] : optional)
            if (!value.isEmpty())
                o.insert(QLatin1String(key), value);
        if (s.twin)
            o.insert(QStringLiteral("twin"), true);
        if (s.zoom > 0)
            o.insert(QStringLiteral("zoom"), s.zoom);
        if (s.check) {
            static const char* const kClaims[] = {"higher", "not_higher", "below"};
            bool isNumber = false;
            const double b = s.check->b.toDouble(&isNumber);
            o.insert(QStringLiteral("check"),
                     QJsonObject{{QStringLiteral("claim"),
                                  QLatin1String(kClaims[static_cast<int>(s.check->claim)])},
                                 {QStringLiteral("a"), s.check->a},
                                 {QStringLiteral("b"), isNumber ? QJsonValue(b) : s.check->b},
                                 {QStringLiteral("agrees"), textJson(s.check->agrees)},
                                 {QStringLiteral("disagrees"), textJson(s.check->disagrees)}});
        }
        steps.append(o);
    }
    root.insert(QStringLiteral("steps"), steps);
    root.insert(QStringLiteral("state"),
                QJsonObject{{QStringLiteral("step"), lesson.currentStep},
                            {QStringLiteral("replay_speed"), lesson.replaySpeed},
                            {QStringLiteral("replay_position"), lesson.replayPosition},
                            {QStringLiteral("presenter"), lesson.presenter}});
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

QStringList shippedLessons() {
    return {QStringLiteral("degradation"), QStringLiteral("depth-sweep"),
            QStringLiteral("shortcuts")};
}

std::optional<Lesson> read(const QString& nameOrPath, QString* error) {
    const bool shipped = shippedLessons().contains(nameOrPath);
    const QString path =
        shipped ? QStringLiteral(":/lessons/%1.reslab").arg(nameOrPath) : nameOrPath;
    const QFileInfo info(path);
    if (!shipped && !info.isFile()) {
        if (error)
            *error = info.exists()
                         ? LessonFileTr::tr("%1 is not a file").arg(path)
                         : LessonFileTr::tr("%1: there is no such file, and no shipped lesson of "
                                            "that name (the lessons are %2)")
                               .arg(path, shippedLessons().join(QStringLiteral(", ")));
        return std::nullopt;
    }
    if (info.size() > kMaxFileBytes) {
        if (error)
            *error = LessonFileTr::tr("%1 is %2 MiB; a lesson is at most 4 MiB")
                         .arg(path)
                         .arg(info.size() / double(1 << 20), 0, 'f', 1);
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = LessonFileTr::tr("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QString why;
    std::optional<Lesson> lesson = parse(file.read(kMaxFileBytes + 1), &why);
    if (!lesson) {
        if (error)
            *error = LessonFileTr::tr("%1 is not a lesson ResLab can open: %2").arg(path, why);
        return std::nullopt;
    }
    if (lesson->name.isEmpty())
        lesson->name = shipped ? nameOrPath : info.completeBaseName();
    // A recording given as a folder is relative to the lesson file.
    if (!shipped && !lesson->recording.isEmpty() && lesson->recording.contains(QLatin1Char('/')) &&
        QFileInfo(lesson->recording).isRelative())
        lesson->recording = info.absoluteDir().filePath(lesson->recording);
    return lesson;
}

bool save(const QString& path, const Lesson& lesson, QString* error) {
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(write(lesson)) >= 0 && file.commit())
        return true;
    if (error)
        *error = LessonFileTr::tr("cannot write %1: %2").arg(path, file.errorString());
    return false;
}

} // namespace lessonfile
