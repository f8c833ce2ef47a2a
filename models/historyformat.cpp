// SPDX-License-Identifier: MIT
#include "historyformat.h"

#include <QImage>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

#include <cstdlib>

namespace vigil {

StatusTone statusTone(ActionState state)
{
    switch (state) {
    case ActionState::Kept:
        return StatusTone::Good;
    case ActionState::AwaitingApproval:
    case ActionState::Applying:
    case ActionState::Observing:
    case ActionState::RollingBack:
        return StatusTone::Pending;
    case ActionState::RolledBack:
    case ActionState::Failed:
        return StatusTone::Bad;
    case ActionState::Proposed:
    case ActionState::Rejected:
    case ActionState::Dropped:
        return StatusTone::Neutral;
    }
    return StatusTone::Neutral;
}

QColor toneColor(StatusTone tone)
{
    switch (tone) {
    case StatusTone::Good:
        return QColor(0x2e, 0x7d, 0x32);
    case StatusTone::Pending:
        return QColor(0xf0, 0xa2, 0x02);
    case StatusTone::Bad:
        return QColor(0xc6, 0x28, 0x28);
    case StatusTone::Neutral:
        return QColor(0x80, 0x80, 0x80);
    }
    return QColor(0x80, 0x80, 0x80);
}

QString stateLabel(ActionState state)
{
    switch (state) {
    case ActionState::Proposed:
        return QStringLiteral("proposed");
    case ActionState::AwaitingApproval:
        return QStringLiteral("awaiting approval");
    case ActionState::Applying:
        return QStringLiteral("applying");
    case ActionState::Observing:
        return QStringLiteral("observing");
    case ActionState::Kept:
        return QStringLiteral("kept");
    case ActionState::RollingBack:
        return QStringLiteral("rolling back");
    case ActionState::RolledBack:
        return QStringLiteral("rolled back");
    case ActionState::Failed:
        return QStringLiteral("failed");
    case ActionState::Rejected:
        return QStringLiteral("rejected");
    case ActionState::Dropped:
        return QStringLiteral("dropped");
    }
    return stateName(state);
}

QString kindLabel(ActionKind kind)
{
    switch (kind) {
    case ActionKind::SetParameter:
        return QStringLiteral("parameter");
    case ActionKind::CreateIndex:
        return QStringLiteral("create index");
    case ActionKind::DropIndex:
        return QStringLiteral("drop index");
    case ActionKind::Sql:
        return QStringLiteral("SQL");
    }
    return kindName(kind);
}

QString originLabel(ActionOrigin origin)
{
    return originName(origin);
}

namespace {

/// The wall clock of `time` in `zone`, and the offset it is at.
struct WallClock
{
    QDate date;
    int msOfDay = 0;
    int offsetSeconds = 0;
};

WallClock wallClock(const QDateTime &time, const QTimeZone &zone)
{
    WallClock w;
    w.offsetSeconds = zone.isValid() ? zone.offsetFromUtc(time) : 0;
    constexpr qint64 kDayMs = 24 * 3600 * 1000;
    const qint64 local = time.toMSecsSinceEpoch() + qint64(w.offsetSeconds) * 1000;
    qint64 days = local / kDayMs;
    qint64 ms = local % kDayMs;
    if (ms < 0) { // before 1970: floor, not truncation
        ms += kDayMs;
        --days;
    }
    constexpr qint64 kUnixEpochJulianDay = 2440588;
    w.date = QDate::fromJulianDay(kUnixEpochJulianDay + days);
    w.msOfDay = int(ms);
    return w;
}

/// Appends `value` with at least `width` digits.
void appendPadded(QString &out, int value, int width)
{
    char16_t digits[12];
    int n = 0;
    do {
        digits[n++] = char16_t(u'0' + value % 10);
        value /= 10;
    } while (value > 0 && n < 12);
    for (int i = n; i < width; ++i)
        out += u'0';
    while (n > 0)
        out += QChar(digits[--n]);
}

void appendDateTime(QString &out, const WallClock &w, QChar separator)
{
    appendPadded(out, w.date.year(), 4);
    out += u'-';
    appendPadded(out, w.date.month(), 2);
    out += u'-';
    appendPadded(out, w.date.day(), 2);
    out += separator;
    appendPadded(out, w.msOfDay / 3600000, 2);
    out += u':';
    appendPadded(out, w.msOfDay / 60000 % 60, 2);
    out += u':';
    appendPadded(out, w.msOfDay / 1000 % 60, 2);
}

} // namespace

TimeFormatter::TimeFormatter(QTimeZone zone)
    : m_zone(std::move(zone))
{ }

QString TimeFormatter::display(const QDateTime &time) const
{
    if (!time.isValid())
        return {};
    QString out;
    out.reserve(19);
    appendDateTime(out, wallClock(time, m_zone), u' ');
    return out;
}

QString TimeFormatter::iso(const QDateTime &time) const
{
    if (!time.isValid())
        return {};
    const WallClock w = wallClock(time, m_zone);
    QString out;
    out.reserve(29);
    appendDateTime(out, w, u'T');
    out += u'.';
    appendPadded(out, w.msOfDay % 1000, 3);
    // Always "+hh:mm", never "Z": one shape for every row, whatever the zone.
    out += w.offsetSeconds < 0 ? u'-' : u'+';
    const int minutes = std::abs(w.offsetSeconds) / 60;
    appendPadded(out, minutes / 60, 2);
    out += u':';
    appendPadded(out, minutes % 60, 2);
    return out;
}

QString formatLocalTime(const QDateTime &time)
{
    return TimeFormatter().display(time);
}

QString isoWithOffset(const QDateTime &time)
{
    return TimeFormatter().iso(time);
}

QString oneLine(const QString &text)
{
    return text.simplified();
}

namespace {

/// The glyph of a state inside a unit square (0..1), stroked or filled by the caller.
void paintGlyph(QPainter &p, ActionState state, const QColor &ink)
{
    QPen pen(ink, 0.13, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    switch (state) {
    case ActionState::Kept: // a check mark
        p.drawPolyline(QPolygonF({ { 0.29, 0.52 }, { 0.44, 0.67 }, { 0.72, 0.36 } }));
        break;
    case ActionState::AwaitingApproval: // paused: two bars
        p.drawLine(QPointF(0.40, 0.32), QPointF(0.40, 0.68));
        p.drawLine(QPointF(0.60, 0.32), QPointF(0.60, 0.68));
        break;
    case ActionState::Applying: { // going forward
        p.setPen(Qt::NoPen);
        p.setBrush(ink);
        p.drawPolygon(QPolygonF({ { 0.38, 0.30 }, { 0.72, 0.50 }, { 0.38, 0.70 } }));
        break;
    }
    case ActionState::Observing: // an eye's pupil: watching
        p.drawEllipse(QPointF(0.5, 0.5), 0.17, 0.17);
        break;
    case ActionState::RollingBack: { // going back
        p.setPen(Qt::NoPen);
        p.setBrush(ink);
        p.drawPolygon(QPolygonF({ { 0.62, 0.30 }, { 0.28, 0.50 }, { 0.62, 0.70 } }));
        break;
    }
    case ActionState::RolledBack: { // rewound: two back triangles
        p.setPen(Qt::NoPen);
        p.setBrush(ink);
        p.drawPolygon(QPolygonF({ { 0.50, 0.32 }, { 0.22, 0.50 }, { 0.50, 0.68 } }));
        p.drawPolygon(QPolygonF({ { 0.78, 0.32 }, { 0.50, 0.50 }, { 0.78, 0.68 } }));
        break;
    }
    case ActionState::Failed: // a cross
        p.drawLine(QPointF(0.34, 0.34), QPointF(0.66, 0.66));
        p.drawLine(QPointF(0.66, 0.34), QPointF(0.34, 0.66));
        break;
    case ActionState::Rejected: // a bar: no entry
    case ActionState::Dropped:
        p.drawLine(QPointF(0.30, 0.50), QPointF(0.70, 0.50));
        break;
    case ActionState::Proposed: // a dot: an idea, nothing done
        p.setPen(Qt::NoPen);
        p.setBrush(ink);
        p.drawEllipse(QPointF(0.5, 0.5), 0.11, 0.11);
        break;
    }
}

QPixmap chipPixmap(ActionState state, int size)
{
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(size, size);
    const QColor fill = toneColor(statusTone(state));
    p.setPen(Qt::NoPen);
    p.setBrush(fill);
    p.drawEllipse(QRectF(0.04, 0.04, 0.92, 0.92));
    // Dark ink on the light amber, white on the others: the glyph must stand out of its own chip.
    const QColor ink = fill.lightnessF() > 0.45 && statusTone(state) == StatusTone::Pending ? QColor(0x20, 0x20, 0x20)
                                                                                            : QColor(Qt::white);
    paintGlyph(p, state, ink);
    p.end();
    return QPixmap::fromImage(image);
}

} // namespace

QIcon statusIcon(ActionState state)
{
    QIcon icon;
    for (const int size : { 16, 24, 32, 48 })
        icon.addPixmap(chipPixmap(state, size));
    return icon;
}

} // namespace vigil
