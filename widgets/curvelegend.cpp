#include "curvelegend.h"

#include <algorithm>

#include <QFontMetrics>

void LineLegendItem::draw(QCPPainter* painter) {
    const QSize icon = mParentLegend->iconSize();
    const double midY = mRect.top() + mRect.height() / 2.0;
    QPen pen = m_pen;
    if (m_hidden)
        pen.setColor(hiddenColor());
    painter->setPen(pen);
    painter->drawLine(QLineF(mRect.left(), midY, mRect.left() + icon.width(), midY));
    if (m_marker != QCPScatterStyle::ssNone) {
        QCPScatterStyle mark(m_marker, pen.color(), pen.color(), kMarkerSize);
        mark.applyTo(painter, QPen(pen.color(), 1));
        mark.drawShape(painter, mRect.left() + icon.width() / 2.0, midY);
    }

    painter->setFont(mFont);
    painter->setPen(m_hidden ? hiddenColor() : mTextColor);
    const int textLeft = mRect.left() + icon.width() + mParentLegend->iconTextPadding();
    painter->drawText(QRect(textLeft, mRect.top(), mRect.right() - textLeft + 1, mRect.height()),
                      Qt::AlignLeft | Qt::AlignVCenter | Qt::TextDontClip, m_text);
}

QSize LineLegendItem::minimumOuterSizeHint() const {
    const QFontMetrics metrics(mFont);
    const QSize icon = mParentLegend->iconSize();
    const QSize text = metrics.size(Qt::TextSingleLine, m_text);
    return QSize(icon.width() + mParentLegend->iconTextPadding() + text.width() + mMargins.left() +
                     mMargins.right(),
                 std::max(icon.height(), text.height()) + mMargins.top() + mMargins.bottom());
}
