#include "experimentfile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QSaveFile>

namespace experimentfile {

namespace {
// A saved experiment of a few runs is a few hundred bytes; anything far larger is not one.
constexpr qint64 kMaxBytes = 16 << 20;
} // namespace

bool write(const QString& path, const QStringList& folders, QString* error) {
    QJsonObject root{{QStringLiteral("reslab_experiment"), 1},
                     {QStringLiteral("runs"), QJsonArray::fromStringList(folders)}};
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(QJsonDocument(root).toJson()) >= 0 &&
        file.commit())
        return true;
    if (error)
        *error = QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
}

std::optional<QStringList> read(const QString& path, QString* error) {
    QFile file(path);
    QJsonDocument doc;
    if (file.open(QIODevice::ReadOnly) && file.size() <= kMaxBytes)
        doc = QJsonDocument::fromJson(file.read(kMaxBytes));
    const QJsonValue runs =
        doc.isObject() ? doc.object().value(QStringLiteral("runs")) : QJsonValue();
    if (!runs.isArray()) {
        if (error)
            *error = QObject::tr("%1 is not a saved ResLab experiment.").arg(path);
        return std::nullopt;
    }
    QStringList folders;
    for (const auto& value : runs.toArray())
        if (value.isString())
            folders << value.toString();
    return folders;
}

} // namespace experimentfile
