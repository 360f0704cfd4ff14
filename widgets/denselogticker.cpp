#include "denselogticker.h"

#include <cmath>

QVector<double> DenseLogTicker::createTickVector(double tickStep, const QCPRange& range) {
    m_dense = range.lower > 0 && range.upper / range.lower < 300;
    if (!m_dense)
        return QCPAxisTickerLog::createTickVector(tickStep, range);
    QVector<double> ticks;
    const int first = int(std::floor(std::log10(range.lower)));
    const int last = int(std::ceil(std::log10(range.upper)));
    for (int exponent = first; exponent <= last; ++exponent)
        for (const double mantissa : {1.0, 2.0, 5.0})
            ticks.append(mantissa * std::pow(10.0, exponent));
    return ticks; // QCPAxisTicker trims what lies outside the range
}

QVector<double> DenseLogTicker::createSubTickVector(int subTickCount,
                                                    const QVector<double>& ticks) {
    if (!m_dense || ticks.isEmpty())
        return QCPAxisTickerLog::createSubTickVector(subTickCount, ticks);
    // The remaining integer multiples of each power of ten, as on log paper.
    QVector<double> subTicks;
    const int first = int(std::floor(std::log10(ticks.first()))) - 1;
    const int last = int(std::ceil(std::log10(ticks.last())));
    for (int exponent = first; exponent <= last; ++exponent)
        for (const double mantissa : {3.0, 4.0, 6.0, 7.0, 8.0, 9.0})
            subTicks.append(mantissa * std::pow(10.0, exponent));
    return subTicks;
}
