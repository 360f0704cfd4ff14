#pragma once

// Writes an AVI of uncompressed 32-bit frames (Microsoft's RIFF AVI with a "DIB " stream): a video
// file FFmpeg plays whose pixels come back exactly, made without any encoder. For the live view's
// test and benchmark. 32 bits, not 24: Qt 6.4's FFmpeg backend hands 24-bit BGR frames on as if
// they had 4 bytes a pixel.

#include <QByteArray>
#include <QFile>
#include <QImage>
#include <QString>
#include <QVector>

namespace rawavi {

inline void put32(QByteArray& b, quint32 v) {
    for (int i = 0; i < 4; ++i)
        b.append(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline void put16(QByteArray& b, quint16 v) {
    b.append(static_cast<char>(v & 0xff));
    b.append(static_cast<char>(v >> 8));
}

inline QByteArray chunk(const char* id, const QByteArray& data) {
    QByteArray b(id, 4);
    put32(b, static_cast<quint32>(data.size()));
    b += data;
    if (data.size() % 2)
        b.append('\0'); // RIFF chunks are word-aligned
    return b;
}

inline QByteArray list(const char* type, const QByteArray& data) {
    return chunk("LIST", QByteArray(type, 4) + data);
}

/// frames: all of one size. False if the file cannot be written.
inline bool write(const QString& path, const QVector<QImage>& frames, int fps) {
    if (frames.isEmpty())
        return false;
    const int w = frames[0].width(), h = frames[0].height();
    const quint32 frameBytes = static_cast<quint32>(4 * w * h);
    const quint32 n = static_cast<quint32>(frames.size());

    QByteArray movi, index;
    quint32 offset = 4; // from the "movi" tag
    for (const QImage& frame : frames) {
        const QImage rgb = frame.convertToFormat(QImage::Format_RGB888);
        QByteArray pixels;
        pixels.reserve(static_cast<int>(frameBytes));
        for (int y = h - 1; y >= 0; --y) { // bottom-up, B G R and a byte unused
            const uchar* line = rgb.constScanLine(y);
            for (int x = 0; x < w; ++x) {
                pixels.append(static_cast<char>(line[3 * x + 2]));
                pixels.append(static_cast<char>(line[3 * x + 1]));
                pixels.append(static_cast<char>(line[3 * x]));
                pixels.append(static_cast<char>(0xff)); // opaque, should a reader take it for alpha
            }
        }
        const QByteArray c = chunk("00db", pixels);
        index += QByteArray("00db", 4);
        put32(index, 0x10); // a key frame
        put32(index, offset);
        put32(index, frameBytes);
        offset += static_cast<quint32>(c.size());
        movi += c;
    }

    QByteArray avih;
    for (quint32 v : {1000000u / static_cast<quint32>(fps), frameBytes * fps, 0u, 0x10u, n, 0u, 1u,
                      frameBytes, static_cast<quint32>(w), static_cast<quint32>(h), 0u, 0u, 0u, 0u})
        put32(avih, v);
    QByteArray strh("vids", 4);
    strh += QByteArray("DIB ", 4);
    put32(strh, 0); // flags
    put16(strh, 0); // priority
    put16(strh, 0); // language
    for (quint32 v : {0u, 1u, static_cast<quint32>(fps), 0u, n, frameBytes, 0xffffffffu, 0u})
        put32(strh, v); // initial frames, scale, rate, start, length, buffer, quality, sample size
    for (quint16 v : {quint16(0), quint16(0), static_cast<quint16>(w), static_cast<quint16>(h)})
        put16(strh, v); // the frame rectangle
    QByteArray strf;    // BITMAPINFOHEADER
    put32(strf, 40);
    put32(strf, static_cast<quint32>(w));
    put32(strf, static_cast<quint32>(h));
    put16(strf, 1);
    put16(strf, 32);
    for (quint32 v : {0u, frameBytes, 0u, 0u, 0u, 0u})
        put32(strf, v);
    const QByteArray hdrl =
        chunk("avih", avih) + list("strl", chunk("strh", strh) + chunk("strf", strf));
    const QByteArray riff = chunk("RIFF", QByteArray("AVI ", 4) + list("hdrl", hdrl) +
                                              list("movi", movi) + chunk("idx1", index));
    QFile out(path);
    return out.open(QIODevice::WriteOnly) && out.write(riff) == riff.size();
}

} // namespace rawavi
