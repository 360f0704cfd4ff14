#pragma once

#include <optional>
#include <vector>

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

/// A text in each language a lesson is written in ("en", "ko"); a file may give one plain string,
/// which then stands for every language.
struct LessonText {
    QMap<QString, QString> byLanguage;

    bool isEmpty() const { return byLanguage.isEmpty(); }
    /// The text in this language, else in English, else in any language the file has.
    QString in(const QString& language) const;
};

/// What a step's text says where the runs on screen can confirm or contradict the paper: a
/// comparison of two quantities ("train_error:plain56" against "train_error:plain20", or against a
/// number), and the text that follows when the runs agree with the paper's claim or not.
struct LessonCheck {
    enum class Claim { Higher, NotHigher, Below };
    Claim claim = Claim::Higher;
    QString a; // a quantity, as in the texts' {placeholders}
    QString b; // a quantity or a number
    LessonText agrees;
    LessonText disagrees;
};

/// One step of a lesson: a short text beside the view it talks about.
struct LessonStep {
    LessonText title;
    LessonText text;
    QString view; // "curves", "depth-sweep", "graph", "features", "gradients", "lesion", ...
    QString run;  // the run (its name in the experiment) the views follow
    QString arch; // a named net the block graph shows instead of the run's ("resnet18")
    bool twin = false;
    QString layer;     // the layer or block selected ("layer2.0")
    QString image;     // the feature maps' image: "sample:NAME" or a file
    double zoom = 0.0; // the block graph's zoom; 0 leaves it as it is
    std::optional<LessonCheck> check;
};

/// A guided lesson (a `.reslab` file, JSON): its experiment, the recording it plays back, which
/// controls it locks or hides, and its steps. The format is documented in docs/lessons.md.
struct Lesson {
    static constexpr int kVersion = 1; // the newest format this ResLab reads and writes

    QString name; // "degradation": the shipped lesson it is, or the file's base name
    LessonText title;
    QString preset;      // the experiment: a preset ...
    QByteArray runsJson; // ... or runs, each a spec.json object (a JSON array)
    qint64 steps = 0;    // the preset's steps changed (0: the preset's own)
    QString recording;   // a shipped recording's name, or a folder (relative to the file)
    QStringList locked;  // "experiment" (the panel), "training" (start, pause, stop)
    QStringList hidden;  // "experiment", "runs", "toolbar"
    std::vector<LessonStep> lessonSteps;

    // Where it stands (what File > Save lesson keeps, so that opening it restores it).
    int currentStep = 0;
    double replaySpeed = 20.0;    // x the recorded pace
    double replayPosition = -1.0; // the replay's step; -1: from the start, playing
    bool presenter = false;

    bool locks(const QString& control) const { return locked.contains(control); }
    bool hides(const QString& control) const { return hidden.contains(control); }
};

namespace lessonfile {

/// The views a step may show.
QStringList viewKeys();
/// Parses a lesson. nullopt (and in *error which field is wrong, and why) when it is damaged,
/// from a newer ResLab, or names an unknown preset, view or run.
std::optional<Lesson> parse(const QByteArray& json, QString* error);
QByteArray write(const Lesson& lesson);
/// Reads a `.reslab` file (at most 4 MiB), or a shipped lesson by name ("degradation").
std::optional<Lesson> read(const QString& nameOrPath, QString* error);
/// Writes atomically; false (and why) when it cannot.
bool save(const QString& path, const Lesson& lesson, QString* error);
/// The lessons that ship with ResLab, by name, in the order Help > Lessons lists them.
QStringList shippedLessons();
/// The run names the lesson's experiment trains ("plain20", "plain56", ...).
QStringList runNames(const Lesson& lesson, QString* error = nullptr);

} // namespace lessonfile
