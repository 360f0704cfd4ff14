#pragma once

#include <limits>
#include <optional>
#include <vector>

#include <QLocale>
#include <QMap>
#include <QString>
#include <QStringList>

struct LessonCheck;
struct LessonStep;

/// A lesson's texts quote the runs on screen through placeholders, so that every figure a step
/// states is measured: {train_error:RUN} (the final training error once the run is done, the
/// latest before), {test_error:RUN}, {gap:A,B} (A's training error minus B's, in points),
/// {ratio:RUN} (the median ||F(x)|| / ||x|| of its blocks at the latest probe), {step:RUN},
/// {steps:RUN}, {window:RUN} (the final steps the final training error is the mean of) and
/// {verdict} (the degradation verdict of the runs).
namespace lessontext {

constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

/// What the texts may quote of one run.
struct RunFacts {
    double trainError = kUnknown; // a fraction
    double testError = kUnknown;
    double ratio = kUnknown;
    qint64 step = 0;
    qint64 total = 0;
    bool finished = false;
};

/// The runs' facts by the names the lesson gives them, and the verdict on them.
struct Facts {
    QMap<QString, RunFacts> runs;
    QString verdict;
};

/// The median of a run's blocks' ||F(x)|| / ||x||; NaN for none.
double medianRatio(std::vector<double> ratios);

/// Whether every placeholder of text names a quantity and one of runs; if not, why.
bool validate(const QString& text, const QStringList& runs, QString* why);
/// The value of a quantity ("train_error:plain56", "gap:plain56,plain20", or a number); NaN
/// where the runs do not tell it (yet).
double quantity(const QString& q, const Facts& facts);
/// The runs a quantity depends on.
QStringList runsOf(const QString& q);
/// text with every placeholder replaced by its figure, in the locale's number format ("—" where
/// it is unknown).
QString render(const QString& text, const Facts& facts, const QLocale& locale = QLocale());
/// Whether the runs agree with the check's claim: nullopt while a run it needs is unfinished.
std::optional<bool> holds(const LessonCheck& check, const Facts& facts);
/// A step's text, in a language, with its figures, followed by what its check finds.
QString stepText(const LessonStep& step,
                 const QString& language,
                 const Facts& facts,
                 const QLocale& locale = QLocale());
/// How a quantity is shown: a percentage for errors ("12.3%"), points for a gap ("14.1"), two
/// decimals for a ratio, a whole number for steps; "—" when it is unknown.
QString figure(const QString& q, const Facts& facts, const QLocale& locale = QLocale());

} // namespace lessontext
