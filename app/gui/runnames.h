#pragma once

#include <QString>

/// The depth in a run's name: 56 for "plain56", "resnet56" or "resnet56-seed2"; 0 when there is
/// none. The views use it to put a plain run beside the residual run of the same depth.
inline int depthFromRunName(const QString& name) {
    QString digits;
    for (const QChar c : name) {
        if (c.isDigit())
            digits += c;
        else if (!digits.isEmpty())
            break;
    }
    return digits.toInt();
}
