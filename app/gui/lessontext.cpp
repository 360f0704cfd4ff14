#include "lessontext.h"

#include <algorithm>
#include <cmath>

#include <QCoreApplication>
#include <QRegularExpression>

#include "lesson.h"
#include "train/verdict.h"

namespace lessontext {

namespace {

struct LessonTextTr {
    Q_DECLARE_TR_FUNCTIONS(lessontext)
};

const QStringList kRunQuantities = {QStringLiteral("train_error"), QStringLiteral("test_error"),
                                    QStringLiteral("ratio"),       QStringLiteral("step"),
                                    QStringLiteral("steps"),       QStringLiteral("window")};

/// {name} or {name:arg} or {name:arg,arg}.
const QRegularExpression& placeholder() {
    static const QRegularExpression re(QStringLiteral(R"(\{([a-z_]+)(?::([^{}]*))?\})"));
    return re;
}

struct Parsed {
    QString kind;
    QStringList args;
};

Parsed parse(const QString& q) {
    const int colon = static_cast<int>(q.indexOf(QLatin1Char(':')));
    if (colon < 0)
        return {q, {}};
    return {q.left(colon), q.mid(colon + 1).split(QLatin1Char(','))};
}

/// Whether quantity q (without braces) is well formed; if not, why.
bool validQuantity(const QString& q, const QStringList& runs, QString* why) {
    const Parsed p = parse(q);
    int want = -1;
    if (p.kind == QLatin1String("verdict"))
        want = 0;
    else if (p.kind == QLatin1String("gap"))
        want = 2;
    else if (kRunQuantities.contains(p.kind))
        want = 1;
    if (want < 0) {
        *why = LessonTextTr::tr("{%1}: '%2' is not a quantity; the quantities are %3, gap, verdict")
                   .arg(q, p.kind, kRunQuantities.join(QStringLiteral(", ")));
        return false;
    }
    if (p.args.size() != want) {
        *why = LessonTextTr::tr("{%1}: '%2' takes %n run name(s)", nullptr, want).arg(q, p.kind);
        return false;
    }
    for (const QString& run : p.args)
        if (!runs.contains(run)) {
            *why = LessonTextTr::tr("{%1}: the experiment has no run '%2'; its runs are %3")
                       .arg(q, run, runs.join(QStringLiteral(", ")));
            return false;
        }
    return true;
}

double runQuantity(const QString& kind, const RunFacts& r) {
    if (kind == QLatin1String("train_error"))
        return r.trainError;
    if (kind == QLatin1String("test_error"))
        return r.testError;
    if (kind == QLatin1String("ratio"))
        return r.ratio;
    if (kind == QLatin1String("step"))
        return r.total > 0 || r.step > 0 ? static_cast<double>(r.step) : kUnknown;
    if (kind == QLatin1String("steps"))
        return r.total > 0 ? static_cast<double>(r.total) : kUnknown;
    if (kind == QLatin1String("window"))
        return r.total > 0 ? static_cast<double>(reslab::final_window(r.total)) : kUnknown;
    return kUnknown;
}

} // namespace

double medianRatio(std::vector<double> ratios) {
    ratios.erase(
        std::remove_if(ratios.begin(), ratios.end(), [](double v) { return !std::isfinite(v); }),
        ratios.end());
    if (ratios.empty())
        return kUnknown;
    std::sort(ratios.begin(), ratios.end());
    const size_t n = ratios.size();
    return n % 2 ? ratios[n / 2] : 0.5 * (ratios[n / 2 - 1] + ratios[n / 2]);
}

bool validate(const QString& text, const QStringList& runs, QString* why) {
    QString reason;
    for (auto it = placeholder().globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        const QString q = m.captured(2).isNull() ? m.captured(1)
                                                 : m.captured(1) + QLatin1Char(':') + m.captured(2);
        if (!validQuantity(q, runs, &reason)) {
            if (why)
                *why = reason;
            return false;
        }
    }
    return true;
}

QStringList runsOf(const QString& q) {
    const Parsed p = parse(q);
    return p.kind == QLatin1String("verdict") ? QStringList() : p.args;
}

double quantity(const QString& q, const Facts& facts) {
    bool isNumber = false;
    const double n = q.toDouble(&isNumber);
    if (isNumber)
        return n;
    const Parsed p = parse(q);
    const auto fact = [&](int i) {
        return i < p.args.size() ? facts.runs.value(p.args[i]) : RunFacts{};
    };
    if (p.kind == QLatin1String("gap"))
        return 100.0 * (fact(0).trainError - fact(1).trainError);
    if (p.args.size() != 1)
        return kUnknown;
    return runQuantity(p.kind, fact(0));
}

QString figure(const QString& q, const Facts& facts, const QLocale& locale) {
    const Parsed p = parse(q);
    if (p.kind == QLatin1String("verdict"))
        return facts.verdict.isEmpty() ? QStringLiteral("—") : facts.verdict;
    const double v = quantity(q, facts);
    if (!std::isfinite(v))
        return QStringLiteral("—");
    if (p.kind == QLatin1String("train_error") || p.kind == QLatin1String("test_error"))
        return locale.toString(100.0 * v, 'f', 1) + QLatin1Char('%');
    if (p.kind == QLatin1String("gap"))
        return locale.toString(v, 'f', 1);
    if (p.kind == QLatin1String("ratio"))
        return locale.toString(v, 'f', 2);
    return locale.toString(static_cast<qint64>(std::llround(v)));
}

QString render(const QString& text, const Facts& facts, const QLocale& locale) {
    QString out;
    qsizetype last = 0;
    for (auto it = placeholder().globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        const QString q = m.captured(2).isNull() ? m.captured(1)
                                                 : m.captured(1) + QLatin1Char(':') + m.captured(2);
        out += text.mid(last, m.capturedStart() - last);
        out += figure(q, facts, locale);
        last = m.capturedEnd();
    }
    out += text.mid(last);
    return out;
}

std::optional<bool> holds(const LessonCheck& check, const Facts& facts) {
    for (const QString& q : {check.a, check.b})
        for (const QString& run : runsOf(q))
            if (!facts.runs.value(run).finished)
                return std::nullopt;
    const double a = quantity(check.a, facts);
    const double b = quantity(check.b, facts);
    if (!std::isfinite(a) || !std::isfinite(b))
        return std::nullopt;
    // Two training errors within half a point count as the same, as in the verdict.
    const bool errors = parse(check.a).kind.endsWith(QLatin1String("error"));
    const double tolerance = errors ? reslab::kVerdictTolerance : 0.0;
    switch (check.claim) {
    case LessonCheck::Claim::Higher:
        return a > b + tolerance;
    case LessonCheck::Claim::NotHigher:
        return a <= b + tolerance;
    case LessonCheck::Claim::Below:
        return a < b;
    }
    return std::nullopt;
}

QString stepText(const LessonStep& step,
                 const QString& language,
                 const Facts& facts,
                 const QLocale& locale) {
    QString text = render(step.text.in(language), facts, locale);
    if (step.check) {
        const std::optional<bool> agree = holds(*step.check, facts);
        QString after;
        if (!agree)
            after =
                LessonTextTr::tr("(What these runs show appears here when they have finished.)");
        else
            after = render((*agree ? step.check->agrees : step.check->disagrees).in(language),
                           facts, locale);
        text += QStringLiteral("\n\n") + after;
    }
    return text;
}

} // namespace lessontext
