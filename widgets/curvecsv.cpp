// CurvePlot's CSV export: one line per raw point of every run and series.
#include "curveplot.h"

#include <QIODevice>
#include <QLocale>
#include <QSaveFile>

namespace {

QString csvField(const QString& text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n')) && !text.contains(QLatin1Char('\r')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString csvNumber(double value) {
    // The shortest text that reads back as the same double.
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

} // namespace

bool CurvePlot::exportCsv(const QString& path, QString* error) const {
    return exportCsv(path, {this}, error);
}

bool CurvePlot::exportCsv(const QString& path,
                          const QList<const CurvePlot*>& plots,
                          QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    file.write("run,series,step,epoch,time,value\n");
    for (const CurvePlot* plot : plots)
        plot->writeCsvRows(file);
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void CurvePlot::writeCsvRows(QIODevice& out) const {
    for (const Run& run : m_runs) {
        const QString name = csvField(run.name);
        for (size_t i = 0; i < m_series.size(); ++i) {
            const QString prefix =
                name + QLatin1Char(',') + csvField(m_series[i].label) + QLatin1Char(',');
            QByteArray chunk;
            for (const CurvePoint& point : run.curves[i].points) {
                chunk += (prefix + csvNumber(point.step) + QLatin1Char(',') +
                          csvNumber(point.epoch) + QLatin1Char(',') + csvNumber(point.time) +
                          QLatin1Char(',') + csvNumber(point.value) + QLatin1Char('\n'))
                             .toUtf8();
            }
            out.write(chunk);
        }
    }
}
