#pragma once
// Internal to widgets/ (includes qcustomplot.h; see curvelegend.h).

#include <qcustomplot.h>

/// Log ticks at 1, 2 and 5 times each power of ten while the range spans few decades, so an error
/// curve from 2% to 90% gets more than two labels; wider ranges keep one tick per decade.
class DenseLogTicker : public QCPAxisTickerLog {
protected:
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override;
    QVector<double> createSubTickVector(int subTickCount, const QVector<double>& ticks) override;

private:
    bool m_dense = false;
};
