#pragma once

#include <optional>

#include <QString>
#include <QStringList>

/// A saved experiment (File > Save experiment): the run folders the window showed, as JSON
/// ({"reslab_experiment": 1, "runs": [folder, ...]}), written atomically.
namespace experimentfile {

/// Writes the folders to path; false (and why in *error) when it cannot.
bool write(const QString& path, const QStringList& folders, QString* error);
/// The folders a saved experiment names; nullopt (and why in *error) when path is not one.
std::optional<QStringList> read(const QString& path, QString* error);

} // namespace experimentfile
