#include <chrono>
#include <cmath>
#include <functional>
#include <set>

#include <stb/stb_image_write.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/pooling.h>
#include <zlib.h>

#include <sys/resource.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "data/augment.h"
#include "data/dataset.h"
#include "data/file_bytes.h"
#include "testsupport.h"

using namespace reslab;

namespace {

// QImage would need Qt Gui, whose QT_GUI_LIB define changes QtTest's header and so breaks the
// shared precompiled header; stb's encoder (Debian's libstb, which model/ links) writes the PNGs.
bool writePng(const QString& path, const torch::Tensor& hwc) {
    const torch::Tensor pixels = hwc.contiguous();
    return stbi_write_png(path.toLocal8Bit().constData(), static_cast<int>(pixels.size(1)),
                          static_cast<int>(pixels.size(0)), static_cast<int>(pixels.size(2)),
                          pixels.data_ptr<uint8_t>(),
                          static_cast<int>(pixels.size(1) * pixels.size(2)));
}

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
    QCOMPARE(file.write(bytes), bytes.size());
}

// Written with zlib's own gzip writer, so our reader meets a real gzip stream.
void writeGzip(const QString& path, const QByteArray& bytes) {
    gzFile file = gzopen(path.toLocal8Bit().constData(), "wb");
    QVERIFY(file != nullptr);
    QCOMPARE(gzwrite(file, bytes.constData(), static_cast<unsigned>(bytes.size())),
             int(bytes.size()));
    QCOMPARE(gzclose(file), Z_OK);
}

void appendBigEndian(QByteArray& bytes, uint32_t v) {
    bytes.append(char(v >> 24)).append(char(v >> 16)).append(char(v >> 8)).append(char(v));
}

// A PNG's signature and IHDR chunk (8-bit RGB) declaring width x height, with no pixels; the CRC
// is left zero, which stb does not check.
QByteArray pngHeader(uint32_t width, uint32_t height) {
    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    appendBigEndian(png, 13);
    png += "IHDR";
    appendBigEndian(png, width);
    appendBigEndian(png, height);
    png += QByteArray("\x08\x02\x00\x00\x00", 5);
    png += QByteArray(4, '\0');
    return png;
}

QByteArray idxImages(const torch::Tensor& images) { // uint8 N x H x W
    QByteArray bytes;
    appendBigEndian(bytes, 0x00000803);
    for (int64_t d = 0; d < 3; ++d)
        appendBigEndian(bytes, static_cast<uint32_t>(images.size(d)));
    const torch::Tensor c = images.contiguous();
    bytes.append(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), c.numel());
    return bytes;
}

QByteArray idxLabels(const torch::Tensor& labels) { // uint8 N
    QByteArray bytes;
    appendBigEndian(bytes, 0x00000801);
    appendBigEndian(bytes, static_cast<uint32_t>(labels.size(0)));
    const torch::Tensor c = labels.contiguous();
    bytes.append(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), c.numel());
    return bytes;
}

// The DataError message `f` throws; "" when it throws nothing, "other: ..." for another exception.
QString dataErrorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const DataError& e) {
        return QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        return "other: " + QString::fromStdString(e.what());
    }
    return {};
}

#define VERIFY_DATA_ERROR(call, needle)                                                            \
    do {                                                                                           \
        const QString message = dataErrorOf([&] { call; });                                        \
        QVERIFY2(!message.isEmpty(), "no DataError from " #call);                                  \
        QVERIFY2(!message.startsWith("other: "), qPrintable(message));                             \
        QVERIFY2(message.contains(needle), qPrintable(message + " (wanted: " + (needle) + ")"));   \
    } while (false)

// The ImageError message `f` throws; "" when it throws nothing, "other: ..." for another exception.
QString imageErrorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const ImageError& e) {
        return QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        return "other: " + QString::fromStdString(e.what());
    }
    return {};
}

void appendLittleEndian(QByteArray& bytes, uint32_t v, int n) {
    for (int i = 0; i < n; ++i)
        bytes.append(char(v >> (8 * i)));
}

torch::Tensor normalised(const Dataset& data, const torch::Tensor& indices) {
    return normalize(data.images.index_select(0, indices).to(torch::kFloat32).div(255.0),
                     data.norm);
}

double elapsedMs(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
        .count();
}

} // namespace

class TestDatasets : public QObject {
    Q_OBJECT
private:
    // 20 images of 5 x 7 (not square, so rows and columns cannot swap unseen), labels 0..9 twice.
    torch::Tensor m_images = torch::randint(0, 256, {20, 5, 7}, make_generator(1), torch::kUInt8);
    torch::Tensor m_labels = torch::arange(20, torch::kUInt8).remainder(10);

private Q_SLOTS:
    // First of all, so that the memory high-water mark it measures is its own: an 8 x 8 grey PNG
    // whose image data goes on for 512 MiB of zeros (a file of 0.5 MB) reads as Pillow reads it,
    // the 8 x 8 pixels, without inflating the rest. stb inflated all of it (a 1 GiB one took 1 GiB
    // and 11 s under ASan).
    void pngImageDataPastItsPixelsIsNotInflated() {
        QTemporaryDir dir;
        QByteArray rows;
        for (int y = 0; y < 8; ++y) {
            rows.append('\0'); // filter: none
            for (int x = 0; x < 8; ++x)
                rows.append(char(y * 30 + x));
        }
        z_stream zs{};
        QCOMPARE(deflateInit(&zs, 9), Z_OK);
        QByteArray packed;
        std::vector<char> out(1 << 20);
        const QByteArray zeros(1 << 20, '\0');
        auto feed = [&](const QByteArray& in, int flush) {
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.constData()));
            zs.avail_in = static_cast<uInt>(in.size());
            do {
                zs.next_out = reinterpret_cast<Bytef*>(out.data());
                zs.avail_out = static_cast<uInt>(out.size());
                deflate(&zs, flush);
                packed.append(out.data(), static_cast<int>(out.size() - zs.avail_out));
            } while (zs.avail_out == 0);
        };
        feed(rows, Z_NO_FLUSH);
        for (int i = 0; i < 512; ++i)
            feed(zeros, Z_NO_FLUSH);
        feed(QByteArray(), Z_FINISH);
        deflateEnd(&zs);
        QVERIFY(packed.size() < (2 << 20));
        QByteArray png("\x89PNG\r\n\x1a\n", 8);
        auto chunk = [&](const char* kind, const QByteArray& data) {
            appendBigEndian(png, static_cast<uint32_t>(data.size()));
            const QByteArray body = QByteArray(kind, 4) + data;
            png += body;
            appendBigEndian(png, static_cast<uint32_t>(
                                     crc32(0, reinterpret_cast<const Bytef*>(body.constData()),
                                           static_cast<uInt>(body.size()))));
        };
        QByteArray ihdr;
        appendBigEndian(ihdr, 8);
        appendBigEndian(ihdr, 8);
        ihdr.append(char(8)).append(char(0)).append(char(0)).append(char(0)).append(char(0));
        chunk("IHDR", ihdr);
        chunk("IDAT", packed);
        chunk("IEND", QByteArray());
        const QString path = dir.filePath("bomb.png");
        writeFile(path, png);

        struct rusage before {};
        getrusage(RUSAGE_SELF, &before);
        const torch::Tensor image = load_image(path.toStdString(), 1);
        struct rusage after {};
        getrusage(RUSAGE_SELF, &after);
        QCOMPARE(image.sizes().vec(), (std::vector<int64_t>{1, 8, 8}));
        QCOMPARE(image.mul(255).round()[0][7][7].item<int>(), 7 * 30 + 7);
        const long grownKiB = after.ru_maxrss - before.ru_maxrss;
        QVERIFY2(grownKiB < 256 * 1024, qPrintable(QString("grew by %1 MiB").arg(grownKiB / 1024)));
    }

    void idxRoundTrip_data() {
        QTest::addColumn<bool>("gzip");
        QTest::addColumn<QString>("suffix");
        QTest::newRow("raw") << false << "";
        QTest::newRow("gzip") << true << ".gz";
        // Detected by magic, not by name: a gzip file without .gz and a raw one with it.
        QTest::newRow("gzip, no .gz") << true << "";
        QTest::newRow("raw, named .gz") << false << ".gz";
    }
    void idxRoundTrip() {
        QFETCH(bool, gzip);
        QFETCH(QString, suffix);
        QTemporaryDir dir;
        const QString images = dir.filePath("train-images-idx3-ubyte" + suffix);
        const QString labels = dir.filePath("train-labels-idx1-ubyte" + suffix);
        if (gzip) {
            writeGzip(images, idxImages(m_images));
            writeGzip(labels, idxLabels(m_labels));
        } else {
            writeFile(images, idxImages(m_images));
            writeFile(labels, idxLabels(m_labels));
        }
        const Dataset data = read_idx(images.toStdString(), labels.toStdString());
        QCOMPARE(data.images.sizes().vec(), (std::vector<int64_t>{20, 1, 5, 7}));
        QCOMPARE(data.images.scalar_type(), torch::kUInt8);
        QVERIFY(data.images.is_contiguous());
        QVERIFY(torch::equal(data.images.squeeze(1), m_images));
        QCOMPARE(data.labels.scalar_type(), torch::kInt64);
        QVERIFY(torch::equal(data.labels, m_labels.to(torch::kInt64)));

        // The same files through the dispatcher, as MNIST.
        DataOptions options;
        options.name = "mnist";
        options.data_dir = dir.path().toStdString();
        const Dataset mnist = load_dataset(options);
        QCOMPARE(mnist.name, std::string("mnist"));
        QCOMPARE(mnist.size(), int64_t(20));
        QCOMPARE(mnist.classes.size(), size_t(10));
        QCOMPARE(mnist.norm.mean, normalization_for("mnist").mean);
        QVERIFY(torch::equal(mnist.images, data.images));
    }

    void idxBadFiles_data() {
        QTest::addColumn<QString>("badFile"); // "images" or "labels"
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("gzip");
        QTest::addColumn<QString>("fault");
        const QByteArray images = idxImages(m_images), labels = idxLabels(m_labels);
        QTest::newRow("images with the labels' magic")
            << "images" << labels << false << "wrong magic number 0x00000801";
        QTest::newRow("labels with the images' magic")
            << "labels" << images << false << "wrong magic number 0x00000803";
        QTest::newRow("truncated images")
            << "images" << images.left(images.size() - 10) << false << "truncated";
        QTest::newRow("truncated images, gzip")
            << "images" << images.left(images.size() - 10) << true << "truncated";
        QTest::newRow("truncated labels")
            << "labels" << labels.left(labels.size() - 1) << false << "truncated";
        QTest::newRow("header only") << "images" << images.left(16) << false << "truncated";
        QTest::newRow("shorter than a header")
            << "images" << images.left(9) << false << "truncated";
        QTest::newRow("empty file") << "images" << QByteArray() << false << "too short";
        QByteArray extra = images;
        extra.append("junk");
        QTest::newRow("bytes after the images") << "images" << extra << false << "more than";
        QByteArray outOfRange = labels;
        outOfRange[8 + 13] = char(10);
        QTest::newRow("label out of range")
            << "labels" << outOfRange << false << "label 10 of image 13 is out of range";
        QByteArray fewer = idxLabels(m_labels.narrow(0, 0, 19));
        QTest::newRow("counts that disagree") << "labels" << fewer << false << "19 labels";
        // 2^32-1 images of 2^32-1 x 2^32-1: the product overflows 64 bits; nothing is allocated.
        QByteArray huge;
        for (uint32_t v : {0x00000803u, 0xffffffffu, 0xffffffffu, 0xffffffffu})
            appendBigEndian(huge, v);
        huge.append(images.mid(16));
        QTest::newRow("header claiming huge counts") << "images" << huge << false << "truncated";
        QByteArray hugeLabels;
        for (uint32_t v : {0x00000801u, 1000000000u})
            appendBigEndian(hugeLabels, v);
        hugeLabels.append(labels.mid(8));
        QTest::newRow("labels claiming huge counts")
            << "labels" << hugeLabels << false << "truncated";
        QTest::newRow("zero images")
            << "images" << images.left(4) + QByteArray(12, 0) << false << "holds no images";
    }
    void idxBadFiles() {
        QFETCH(QString, badFile);
        QFETCH(QByteArray, content);
        QFETCH(bool, gzip);
        QFETCH(QString, fault);
        QTemporaryDir dir;
        const QString images = dir.filePath("bad-images-idx3-ubyte");
        const QString labels = dir.filePath("bad-labels-idx1-ubyte");
        writeFile(images, idxImages(m_images));
        writeFile(labels, idxLabels(m_labels));
        const QString bad = badFile == "images" ? images : labels;
        if (gzip)
            writeGzip(bad, content);
        else
            writeFile(bad, content);
        // Counts that disagree name both files; every other fault names the bad one.
        VERIFY_DATA_ERROR(read_idx(images.toStdString(), labels.toStdString()), bad);
        VERIFY_DATA_ERROR(read_idx(images.toStdString(), labels.toStdString()), fault);
    }

    void corruptGzip() {
        QTemporaryDir dir;
        const QString path = dir.filePath("images.gz");
        writeGzip(path, idxImages(m_images));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QByteArray bytes = file.readAll();
        file.close();
        // Flip bits in the deflate stream: zlib's checks (codes, distances or the CRC) refuse it.
        for (int i = 12; i < bytes.size() - 8; i += 7)
            bytes[i] = char(bytes[i] ^ 0x5a);
        writeFile(path, bytes);
        VERIFY_DATA_ERROR(read_idx_images(path.toStdString()), "images.gz");
        VERIFY_DATA_ERROR(read_idx_images(path.toStdString()), "gzip");

        // Cut inside the deflate stream.
        writeGzip(path, idxImages(m_images));
        QVERIFY(file.open(QIODevice::ReadOnly));
        bytes = file.readAll();
        file.close();
        writeFile(path, bytes.left(bytes.size() / 2));
        VERIFY_DATA_ERROR(read_idx_images(path.toStdString()), "gzip data is truncated");
    }

    // A small gzip file that inflates far past what it may: refused by name once it passes the
    // limit (a quarter of the machine's memory, at most 8 GiB, for read_file_bytes), not by
    // std::bad_alloc.
    void gzipBombsAreRefusedByName() {
        QTemporaryDir dir;
        const QString path = dir.filePath("bomb.gz");
        writeGzip(path, QByteArray(8 << 20, '\0')); // 8 MiB of zeros: about 8 KiB on disk
        const std::vector<uint8_t> packed = read_whole_file(path.toStdString());
        QVERIFY(packed.size() < 64 * 1024);
        try {
            inflate_gzip(path.toStdString(), packed, 1 << 20);
            QFAIL("inflated past its limit");
        } catch (const DataError& e) {
            QVERIFY2(QString(e.what()).contains("inflates to more than 1 MiB") &&
                         QString(e.what()).contains(path),
                     e.what());
        }
        QCOMPARE(inflate_gzip(path.toStdString(), packed, 16 << 20).size(), size_t(8 << 20));
        QVERIFY(max_inflated_bytes() >= (uint64_t(256) << 20)); // Fashion-MNIST is 47 MB inflated
    }

    // An IDX gzip file is bounded by what its own header declares: a bomb behind a small header
    // (3 images of 4 x 4, then 64 MiB of zeros) is refused a few bytes past those 64, where it
    // used to inflate up to the memory limit (5 GiB and 20 s here) before anything refused it.
    // The same file without the zeros reads; with one byte too many the header check says so.
    void idxGzipBombsStopAtTheirHeader() {
        QTemporaryDir dir;
        const QByteArray images = idxImages(torch::arange(48, torch::kUInt8).view({3, 4, 4}));
        const QString bomb = dir.filePath("bomb-idx3-ubyte.gz");
        writeGzip(bomb, images + QByteArray(64 << 20, '\0'));
        const auto started = std::chrono::steady_clock::now();
        VERIFY_DATA_ERROR(read_idx_images(bomb.toStdString()),
                          "inflates past the 64 bytes its header declares");
        QVERIFY(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
        const QString good = dir.filePath("good-idx3-ubyte.gz");
        writeGzip(good, images);
        QCOMPARE(read_idx_images(good.toStdString()).sizes().vec(),
                 (std::vector<int64_t>{3, 1, 4, 4}));
        const QString extra = dir.filePath("extra-idx3-ubyte.gz");
        writeGzip(extra, images + QByteArray(1, '\0'));
        VERIFY_DATA_ERROR(read_idx_images(extra.toStdString()),
                          "holds 1 bytes more than its header describes");
        // CIFAR-10 batches have no header: a gzip one stops at 256 MiB.
        const QString cifar = dir.filePath("data_batch_1.bin");
        writeGzip(cifar, QByteArray(300 << 20, '\0'));
        VERIFY_DATA_ERROR(read_cifar({cifar.toStdString()}), "inflates to more than 256 MiB");
    }

    void missingFiles() {
        QTemporaryDir dir;
        const QString images = dir.filePath("no-such-images");
        VERIFY_DATA_ERROR(read_idx_images(images.toStdString()), "no-such-images");
        DataOptions options;
        options.name = "mnist";
        VERIFY_DATA_ERROR(load_dataset(options), "none was given");
        QVERIFY_THROWS_EXCEPTION(DataFolderNotGiven, load_dataset(options));
        options.data_dir = dir.path().toStdString();
        VERIFY_DATA_ERROR(load_dataset(options), "train-images-idx3-ubyte");
        options.name = "fashion-mnist";
        options.data_dir = dir.filePath("missing").toStdString();
        VERIFY_DATA_ERROR(load_dataset(options), "missing");
        options.name = "imagenet";
        VERIFY_DATA_ERROR(load_dataset(options), "unknown data set 'imagenet'");
    }

    void cifar() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("cifar-10-batches-bin")); // as the archive unpacks
        const QString batches = dir.filePath("cifar-10-batches-bin");
        // Five training batches of 3 records and a test batch of 2, each record made by hand:
        // label byte, then the red, green and blue planes.
        const torch::Tensor pixels =
            torch::randint(0, 256, {17, 3, 32, 32}, make_generator(2), torch::kUInt8);
        auto batch = [&](int64_t first, int64_t count) {
            QByteArray bytes;
            for (int64_t i = first; i < first + count; ++i) {
                bytes.append(char(i % 10));
                bytes.append(
                    reinterpret_cast<const char*>(pixels[i].contiguous().data_ptr<uint8_t>()),
                    3072);
            }
            return bytes;
        };
        for (int b = 0; b < 5; ++b)
            writeFile(batches + QString("/data_batch_%1.bin").arg(b + 1), batch(3 * b, 3));
        writeFile(batches + "/test_batch.bin", batch(15, 2));

        DataOptions options;
        options.name = "cifar10";
        options.data_dir = dir.path().toStdString();
        const Dataset train = load_dataset(options);
        QCOMPARE(train.images.sizes().vec(), (std::vector<int64_t>{15, 3, 32, 32}));
        QVERIFY(train.images.is_contiguous());
        QVERIFY(torch::equal(train.images, pixels.narrow(0, 0, 15)));
        QVERIFY(torch::equal(train.labels, torch::arange(15, torch::kInt64).remainder(10)));
        QCOMPARE(train.classes.front(), std::string("airplane"));
        QCOMPARE(train.norm.mean, normalization_for("cifar10").mean);
        options.split = Split::Test;
        const Dataset test = load_dataset(options);
        QVERIFY(torch::equal(test.images, pixels.narrow(0, 15, 2)));
        QVERIFY(torch::equal(test.labels, torch::tensor({5, 6}, torch::kInt64)));
        // The batches' own folder works as well.
        options.data_dir = batches.toStdString();
        QCOMPARE(load_dataset(options).size(), int64_t(2));

        QByteArray truncated = batch(0, 3);
        truncated.chop(5);
        writeFile(batches + "/data_batch_4.bin", truncated);
        options.split = Split::Train;
        VERIFY_DATA_ERROR(load_dataset(options), "data_batch_4.bin");
        VERIFY_DATA_ERROR(load_dataset(options), "not a whole number");
        QByteArray badLabel = batch(0, 3);
        badLabel[3073] = char(10);
        writeFile(batches + "/data_batch_4.bin", badLabel);
        VERIFY_DATA_ERROR(load_dataset(options), "data_batch_4.bin");
        VERIFY_DATA_ERROR(load_dataset(options), "label 10 of record 1 is out of range");
        QFile::remove(batches + "/data_batch_4.bin");
        VERIFY_DATA_ERROR(load_dataset(options), "data_batch_4.bin");
    }

    // Found by fuzzing (tests/fuzz/fuzz_image), and the limits that keep the decoders
    // (libjpeg-turbo for JPEG, stb_image for PNG and BMP) to what we promise: files of a sane size
    // whose pixels are in the file.
    void imageBadFiles_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("fault");
        // Found by fuzzing when stb decoded JPEG too: stb_image 2.27 writes past its Huffman table
        // when a DHT segment's 16 counts add up to more than 256 codes (here 16 x 17 = 272).
        QByteArray dht("\xff\xd8\xff\xc4\x00\x13\x00", 7);
        dht += QByteArray(16, '\x11');
        dht += QByteArray("\xff\xd9", 2);
        QTest::newRow("JPEG with a Huffman table of 272 codes") << dht << "Huffman table";
        // Found by fuzzing: corrupt scan data on which stb_image 2.27 shifted a 32-bit value by 32
        // (undefined) while it refilled its bit buffer. Pillow refuses them too.
        for (const char* name :
             {"jpeg-scan-shift-1.jpg", "jpeg-scan-shift-2.jpg", "jpeg-scan-shift-3.jpg"}) {
            QFile file(QStringLiteral(RESLAB_SOURCE_DIR "/tests/fuzz/found/image/") + name);
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
            QTest::newRow(name) << file.readAll()
                                << "corrupt JPEG: Quantization table 0x00 was not defined";
        }
        QTest::newRow("empty file") << QByteArray() << "not a PNG, JPEG or BMP";
        QTest::newRow("GIF") << QByteArray("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14)
                             << "not a PNG, JPEG or BMP";
        QTest::newRow("PSD") << QByteArray("8BPS\x00\x01", 6) << "not a PNG, JPEG or BMP";
        // A PNG header that claims 20000 x 10000 RGB pixels (2.4 GB as floats), and nothing else.
        QTest::newRow("PNG of 20000 x 10000") << pngHeader(20000, 10000) << "too large";
        // Past stb's own limit of 2^24 a side, which it refused as "unknown image type".
        QTest::newRow("PNG of 100000 x 100000")
            << pngHeader(100000, 100000) << "100000 x 100000 pixels is too large";
        // Found by fuzzing (tests/fuzz/found/image/png-sides-overflow.png): sides near 2^32, whose
        // product overflowed int64 (undefined) in the size check.
        {
            QFile file(QStringLiteral(RESLAB_SOURCE_DIR "/tests/fuzz/found/image/") +
                       "png-sides-overflow.png");
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
            QTest::newRow("PNG of 4294967287 x 4294966280")
                << file.readAll() << "4294967287 x 4294966280 pixels is too large";
        }
        // Found by fuzzing: an 8 x 8 PNG whose IDAT chunk claims 2^31 - 1 bytes, so that stb grew
        // its buffer to 2 GB before finding the file short.
        QByteArray idat = pngHeader(8, 8);
        appendBigEndian(idat, 0x7fffffff);
        idat += "IDAT";
        idat += QByteArray("\x78\x9c\x01\x00\x00\xff\xff", 7);
        QTest::newRow("PNG chunk of 2 GB") << idat << "chunk runs past the end";
        // A 54-byte BMP header that claims 8192 x 8192 pixels of 24 bits: stb would read the
        // missing rows as zeros and make a 200 MB image of them.
        QByteArray bmp("BM", 2);
        appendLittleEndian(bmp, 54, 4); // file size
        appendLittleEndian(bmp, 0, 4);  // reserved
        appendLittleEndian(bmp, 54, 4); // pixel offset
        appendLittleEndian(bmp, 40, 4); // BITMAPINFOHEADER
        appendLittleEndian(bmp, 8192, 4);
        appendLittleEndian(bmp, 8192, 4);
        appendLittleEndian(bmp, 1, 2);  // planes
        appendLittleEndian(bmp, 24, 2); // bits per pixel
        bmp += QByteArray(24, '\0');    // no compression, sizes, resolutions, palette
        QTest::newRow("BMP without its pixels") << bmp << "truncated";
    }
    // torchvision's Resize(256) would make an 8000 x 1 strip 2,048,000 x 256 before its crop:
    // refused before anything is allocated for it, while a 4:1 photo still goes through.
    // A JPEG cut short: libjpeg would fill the missing rows with grey; Pillow refuses it ("image
    // file is truncated"), and so does ResLab. The whole file still loads.
    void truncatedJpegsAreRefused() {
        QTemporaryDir dir;
        const torch::Tensor rgb = torch::randint(0, 256, {64, 64, 3}, torch::kUInt8);
        const std::string whole = dir.filePath("whole.jpg").toStdString();
        QVERIFY(stbi_write_jpg(whole.c_str(), 64, 64, 3, rgb.data_ptr<uint8_t>(), 90));
        QCOMPARE(load_image(whole, 3).sizes().vec(), (std::vector<int64_t>{3, 64, 64}));
        QFile file(QString::fromStdString(whole));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        const QString cut = dir.filePath("cut.jpg");
        writeFile(cut, bytes.left(bytes.size() * 6 / 10));
        const QString message = imageErrorOf([&] { load_image(cut.toStdString(), 3); });
        QVERIFY2(message.contains("truncated") && message.contains(cut), qPrintable(message));
    }

    void elongatedImagesAreRefusedBeforeResizing() {
        const QString message = imageErrorOf([] {
            preprocess_imagenet(torch::rand({3, 1, 8000}));
        });
        QVERIFY2(message.contains("too elongated") && message.contains("2048000 x 256"),
                 qPrintable(message));
        QCOMPARE(preprocess_imagenet(torch::rand({3, 100, 400})).sizes().vec(),
                 (std::vector<int64_t>{3, 224, 224}));
    }

    void imageBadFiles() {
        QFETCH(QByteArray, content);
        QFETCH(QString, fault);
        QTemporaryDir dir;
        const QString path = dir.filePath("bad-image");
        writeFile(path, content);
        for (int64_t channels : {1, 3}) {
            const QString message = imageErrorOf([&] { load_image(path.toStdString(), channels); });
            QVERIFY2(!message.isEmpty(), "no ImageError");
            QVERIFY2(!message.startsWith("other: "), qPrintable(message));
            QVERIFY2(message.contains("'" + path + "'"), qPrintable(message));
            QVERIFY2(message.contains(fault), qPrintable(message + " (wanted: " + fault + ")"));
        }
        // A good image of each kind still loads after the checks (JPEG is lossy: its shape only).
        const torch::Tensor rgb = m_images.narrow(0, 0, 3).permute({1, 2, 0}).contiguous();
        const std::string png = dir.filePath("good.png").toStdString();
        const std::string bmp = dir.filePath("good.bmp").toStdString();
        const std::string jpg = dir.filePath("good.jpg").toStdString();
        QVERIFY(writePng(QString::fromStdString(png), rgb));
        QVERIFY(stbi_write_bmp(bmp.c_str(), 7, 5, 3, rgb.data_ptr<uint8_t>()));
        QVERIFY(stbi_write_jpg(jpg.c_str(), 7, 5, 3, rgb.data_ptr<uint8_t>(), 90));
        for (const std::string& good : {png, bmp, jpg}) {
            const torch::Tensor loaded = load_image(good, 3);
            QCOMPARE(loaded.sizes().vec(), (std::vector<int64_t>{3, 5, 7}));
            if (good != jpg)
                QVERIFY(torch::equal(loaded.mul(255).round().to(torch::kUInt8),
                                     rgb.permute({2, 0, 1})));
        }

        // Found by fuzzing (a time-out): a small JPEG whose frame header claims 32264 x 2048
        // pixels. The same good JPEG with its size patched is refused at once.
        QFile file(QString::fromStdString(jpg));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QByteArray claims = file.readAll();
        const int sof = claims.indexOf(QByteArray("\xff\xc0", 2));
        QVERIFY(sof > 0);
        const auto put16 = [&](int at, int v) {
            claims[at] = char(v >> 8);
            claims[at + 1] = char(v & 0xff);
        };
        put16(sof + 5, 2048);  // height
        put16(sof + 7, 32264); // width
        const QString big = dir.filePath("claims.jpg");
        QFile out(big);
        QVERIFY(out.open(QIODevice::WriteOnly) && out.write(claims) == claims.size());
        out.close();
        const QString message = imageErrorOf([&] { load_image(big.toStdString(), 3); });
        QVERIFY2(message.contains("truncated or damaged JPEG: it claims 32264 x 2048 pixels"),
                 qPrintable(message));
    }

    // The reader decodes as Pillow does, so an image the inspector shows is the one torchvision's
    // transforms would feed the net: libjpeg-turbo for JPEG (4:2:0 and 4:4:4, progressive, grey),
    // alpha dropped, grey repeated into RGB, colour made grey with Pillow's luma; a top-down BMP
    // (negative height) the right way up; 16-bit grey clipped at 255 as Pillow converts it; every
    // byte.
    void imagesAsPillowSeesThem() {
        QTemporaryDir dir;
        const QByteArray listed =
            reslab::test::runPython("image_reference.py", {"make", dir.path()});
        const QJsonArray files = QJsonDocument::fromJson(listed).array();
        QCOMPARE(files.size(), 11);
        for (const auto& entry : files) {
            const QJsonObject o = entry.toObject();
            const QString path = dir.filePath(o["file"].toString());
            const int64_t width = o["width"].toInt(), height = o["height"].toInt();
            for (const auto& [channels, suffix] :
                 {std::pair<int64_t, const char*>{3, ".rgb"}, {1, ".l"}}) {
                QFile expectedFile(path + suffix);
                QVERIFY(expectedFile.open(QIODevice::ReadOnly));
                const QByteArray expected = expectedFile.readAll();
                const torch::Tensor loaded = load_image(path.toStdString(), channels);
                QCOMPARE(loaded.sizes().vec(), (std::vector<int64_t>{channels, height, width}));
                const torch::Tensor bytes =
                    loaded.mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
                QCOMPARE(bytes.numel(), int64_t(expected.size()));
                const torch::Tensor want = torch::from_blob(const_cast<char*>(expected.data()),
                                                            bytes.sizes(), torch::kUInt8);
                const int64_t differ = bytes.ne(want).sum().item<int64_t>();
                QVERIFY2(
                    differ == 0,
                    qPrintable(
                        QString(
                            "%1 as %2 channel(s): %3 of %4 bytes differ from Pillow's, by up to %5")
                            .arg(path)
                            .arg(channels)
                            .arg(differ)
                            .arg(bytes.numel())
                            .arg((bytes.to(torch::kInt32) - want.to(torch::kInt32))
                                     .abs()
                                     .max()
                                     .item<int>())));
            }
            // As the file holds it: Pillow's mode gives the channels, and the grey of the colour
            // pixels is the grey Pillow makes.
            const QString mode = o["mode"].toString();
            const int held = mode == "I" ? 1
                                         : QStringList{"L", "LA", "RGB", "RGBA"}.indexOf(mode) +
                                               1; // I: 16-bit grey
            int fileChannels = 0;
            const torch::Tensor own = load_image(path.toStdString(), 0, &fileChannels);
            QCOMPARE(fileChannels, held);
            QCOMPARE(own.size(0), int64_t(held <= 2 ? 1 : 3));
            if (held > 2)
                QVERIFY(torch::equal(grey_like_pillow(own), load_image(path.toStdString(), 1)));
        }
    }

    void progressiveJpegOfTooManyScansIsRefused() {
        // libjpeg-turbo reads the whole image again for every scan, so thousands of tiny scans
        // would take minutes; past 500 (real encoders write about 10) the file is refused. The
        // file: Pillow's progressive JPEG with its last scan repeated (libjpeg warns of a bogus
        // progression and decodes on, as Pillow does).
        QTemporaryDir dir;
        reslab::test::runPython("image_reference.py", {"make", dir.path()});
        QFile source(dir.filePath("progressive.jpg"));
        QVERIFY(source.open(QIODevice::ReadOnly));
        const QByteArray jpeg = source.readAll();
        const int lastScan = jpeg.lastIndexOf("\xff\xda"), end = jpeg.lastIndexOf("\xff\xd9");
        QVERIFY(lastScan > 0 && end > lastScan);
        const QByteArray scan = jpeg.mid(lastScan, end - lastScan);
        const auto repeated = [&](int times) {
            const QString path = dir.filePath(QStringLiteral("scans%1.jpg").arg(times));
            writeFile(path, jpeg.left(end) + scan.repeated(times) + jpeg.mid(end));
            return path;
        };
        const QString some = repeated(400);
        QCOMPARE(load_image(some.toStdString(), 3).size(0), int64_t(3));
        const QString many = repeated(600);
        const QString message = imageErrorOf([&] { load_image(many.toStdString(), 3); });
        QVERIFY2(message.contains("more than 500 progressive scans"), qPrintable(message));
        QVERIFY2(message.contains("'" + many + "'"), qPrintable(message));
    }

    void folder() {
        QTemporaryDir dir;
        QDir root(dir.path());
        QVERIFY(root.mkpath("cat") && root.mkpath("dog") && root.mkpath(".hidden"));
        const torch::Tensor red = torch::tensor({255, 0, 0}, torch::kUInt8);
        QVERIFY(writePng(dir.filePath("cat/a.png"), red.expand({6, 8, 3})));
        QVERIFY(writePng(dir.filePath("cat/b.png"), red.expand({16, 16, 3})));
        const torch::Tensor ramp = torch::arange(0, 250, 25, torch::kUInt8).view({1, 10, 1});
        QVERIFY(writePng(dir.filePath("dog/c.png"), ramp.expand({10, 10, 1})));
        writeFile(dir.filePath("dog/notes.txt"), "not an image, and not named like one");

        DataOptions options;
        options.name = "folder";
        options.data_dir = dir.path().toStdString();
        options.image_size = 12;
        const Dataset data = load_dataset(options);
        QCOMPARE(data.classes, (std::vector<std::string>{"cat", "dog"}));
        QCOMPARE(data.images.sizes().vec(), (std::vector<int64_t>{3, 3, 12, 12}));
        QVERIFY(torch::equal(data.labels, torch::tensor({0, 0, 1}, torch::kInt64)));
        // A plain colour stays that colour through the resize; grey becomes three equal planes.
        QVERIFY(torch::equal(data.images[0], red.view({3, 1, 1}).expand({3, 12, 12})));
        QVERIFY(torch::equal(data.images[1], data.images[0]));
        QVERIFY(torch::equal(data.images[2][0], data.images[2][2]));
        // The ramp is resized along x only: left dark, right light, rows all the same.
        QVERIFY(data.images[2][0][0][0].item<int>() < data.images[2][0][0][11].item<int>());
        QVERIFY(torch::equal(data.images[2][0][0], data.images[2][0][7]));
        QCOMPARE(data.norm.mean.size(), size_t(3));

        options.channels = 1;
        const Dataset grey = load_dataset(options);
        QCOMPARE(grey.channels(), int64_t(1));
        QVERIFY(std::abs(grey.images[0][0][0][0].item<int>() - 76) <= 1); // red's luma

        // Sizes that differ, with no size to resize to.
        options.image_size = 0;
        VERIFY_DATA_ERROR(load_dataset(options), "image size");
        VERIFY_DATA_ERROR(load_dataset(options), "a.png");

        // An unreadable image is named.
        options.image_size = 12;
        writeFile(dir.filePath("dog/x.png"), "this is text, not a PNG");
        VERIFY_DATA_ERROR(load_dataset(options), "x.png");
        QFile::remove(dir.filePath("dog/x.png"));

        // No test split without train/ and test/ folders.
        options.split = Split::Test;
        VERIFY_DATA_ERROR(load_dataset(options), "test/");

        // Empty folders: the whole set, and one class.
        QTemporaryDir empty;
        options.split = Split::Train;
        options.data_dir = empty.path().toStdString();
        VERIFY_DATA_ERROR(load_dataset(options), empty.path());
        QVERIFY(QDir(empty.path()).mkdir("bird"));
        VERIFY_DATA_ERROR(load_dataset(options), "bird");
        VERIFY_DATA_ERROR(load_dataset(options), "holds no images");
        options.data_dir = dir.filePath("nowhere").toStdString();
        VERIFY_DATA_ERROR(load_dataset(options), "nowhere");
    }

    void folderSplits() {
        QTemporaryDir dir;
        QDir root(dir.path());
        QVERIFY(root.mkpath("train/a") && root.mkpath("train/b") && root.mkpath("test/a") &&
                root.mkpath("test/b"));
        const torch::Tensor pixels =
            torch::randint(0, 256, {5, 8, 8, 1}, make_generator(3), torch::kUInt8);
        QVERIFY(writePng(dir.filePath("train/a/1.png"), pixels[0]));
        QVERIFY(writePng(dir.filePath("train/a/2.png"), pixels[1]));
        QVERIFY(writePng(dir.filePath("train/b/1.png"), pixels[2]));
        QVERIFY(writePng(dir.filePath("test/a/1.png"), pixels[3]));
        QVERIFY(writePng(dir.filePath("test/b/1.png"), pixels[4]));
        DataOptions options;
        options.name = "folder";
        options.data_dir = dir.path().toStdString();
        options.channels = 1;
        const Dataset train = load_dataset(options);
        QCOMPARE(train.size(), int64_t(3));
        // PNG is lossless and no resize was asked for: the pixels come back exactly.
        QVERIFY(torch::equal(train.images, pixels.narrow(0, 0, 3).permute({0, 3, 1, 2})));
        QVERIFY(torch::equal(train.labels, torch::tensor({0, 0, 1}, torch::kInt64)));
        options.split = Split::Test;
        const Dataset test = load_dataset(options);
        QVERIFY(torch::equal(test.images, pixels.narrow(0, 3, 2).permute({0, 3, 1, 2})));
        QCOMPARE(test.classes, (std::vector<std::string>{"a", "b"}));
    }

    void synthetic() {
        const Dataset a = make_synthetic(1000, 1, 28, 7);
        const Dataset b = make_synthetic(1000, 1, 28, 7);
        const Dataset c = make_synthetic(1000, 1, 28, 8);
        QCOMPARE(a.images.sizes().vec(), (std::vector<int64_t>{1000, 1, 28, 28}));
        QCOMPARE(a.classes.size(), size_t(10));
        QVERIFY(torch::equal(a.images, b.images));
        QVERIFY(torch::equal(a.labels, b.labels));
        QVERIFY(!torch::equal(a.images, c.images));
        QVERIFY(torch::equal(torch::bincount(a.labels), torch::full({10}, 100, torch::kInt64)));
        // Within a class the images differ: position, size, intensity and noise.
        for (int64_t k = 0; k < 10; ++k) {
            const torch::Tensor members =
                a.images.index_select(0, a.labels.eq(k).nonzero().squeeze(1)).to(torch::kFloat32);
            const double spread = members.std(0).mean().item<double>();
            QVERIFY2(spread > 20, qPrintable(QString("class %1: spread %2").arg(k).arg(spread)));
        }
        // The measured normalisation makes the set zero-mean, unit-variance.
        const torch::Tensor x = make_batch(a, torch::arange(1000));
        QVERIFY(std::abs(x.mean().item<double>()) < 1e-3);
        QVERIFY(std::abs(x.std().item<double>() - 1) < 1e-2);

        const Dataset colour = make_synthetic(30, 3, 32, 1);
        QCOMPARE(colour.images.sizes().vec(), (std::vector<int64_t>{30, 3, 32, 32}));
        QCOMPARE(colour.norm.std.size(), size_t(3));

        // Through the dispatcher: a test split unlike the training split; held out; downsampled.
        DataOptions options;
        options.name = "synthetic";
        options.count = 600;
        options.seed = 7;
        const Dataset train = load_dataset(options);
        options.split = Split::Test;
        const Dataset test = load_dataset(options);
        QCOMPARE(test.size(), int64_t(600));
        QVERIFY(!torch::equal(train.images, test.images));
        options.split = Split::Validation;
        options.held_out_size = 100;
        const Dataset validation = load_dataset(options);
        QVERIFY(torch::equal(validation.images, train.images.narrow(0, 500, 100)));
        options.split = Split::Train;
        options.held_out = true;
        options.downsample = 2;
        const Dataset small = load_dataset(options);
        QCOMPARE(small.images.sizes().vec(), (std::vector<int64_t>{500, 1, 14, 14}));
    }

    // A set that cannot fit in memory is refused by its size before anything is made: a
    // spec.json's synthetic set of 10^7 images at 8192 x 8192 ran for minutes, then into the
    // allocator; an image folder of huge images, or grey made RGB, the same.
    void setsThatCannotFitAreRefusedFirst() {
        const auto started = std::chrono::steady_clock::now();
        VERIFY_DATA_ERROR(make_synthetic(10000000, 1, 8192, 1),
                          "the synthetic set: 10000000 images of 1 x 8192 x 8192 would take");
        VERIFY_DATA_ERROR(check_set_size("'dir'", int64_t{1} << 40, 3, 2, 2),
                          "more than a data set may take here");
        QVERIFY(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
        check_set_size("'dir'", 60000, 3, 32, 32); // CIFAR's size is no fault

        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath("cat"));
        const torch::Tensor grey = torch::zeros({8, 8, 1}, torch::kUInt8);
        QVERIFY(writePng(dir.filePath("cat/a.png"), grey));
        VERIFY_DATA_ERROR(read_image_folder(dir.path().toStdString(), 3, 1 << 20),
                          "'" + dir.path() + "': 1 images of 3 x 1048576 x 1048576 would take");
    }

    // A small conv net learns the synthetic shapes in a few hundred steps: the set is learnable.
    void syntheticIsLearnable() {
        torch::manual_seed(0);
        const Dataset train = make_synthetic(4096, 1, 28, 11);
        const Dataset test = make_synthetic(1000, 1, 28, 12);
        torch::nn::Sequential net(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 3).padding(1)),
                                  torch::nn::ReLU(), torch::nn::MaxPool2d(2),
                                  torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 3).padding(1)),
                                  torch::nn::ReLU(), torch::nn::MaxPool2d(2), torch::nn::Flatten(),
                                  torch::nn::Linear(32 * 7 * 7, 10));
        const double lr = 0.05, momentum = 0.9;
        std::vector<torch::Tensor> velocity;
        for (const auto& p : net->parameters())
            velocity.push_back(torch::zeros_like(p));
        constexpr int64_t kBatch = 64;
        for (int64_t step = 0; step < 300; ++step) {
            const torch::Tensor order = epoch_order(train.size(), 1, step * kBatch / train.size());
            const torch::Tensor indices = order.narrow(0, (step * kBatch) % train.size(), kBatch);
            const torch::Tensor loss = torch::nn::functional::cross_entropy(
                net->forward(make_batch(train, indices)), train.labels.index_select(0, indices));
            net->zero_grad();
            loss.backward();
            torch::NoGradGuard no_grad;
            auto params = net->parameters();
            for (size_t i = 0; i < params.size(); ++i) {
                velocity[i].mul_(momentum).add_(params[i].grad());
                params[i].sub_(lr * velocity[i]);
            }
        }
        torch::NoGradGuard no_grad;
        Dataset normalisedTest = test;
        normalisedTest.norm = train.norm; // every split normalised like the training split
        const torch::Tensor predicted =
            net->forward(make_batch(normalisedTest, torch::arange(test.size()))).argmax(1);
        const double error = predicted.ne(test.labels).to(torch::kFloat64).mean().item<double>();
        qInfo("synthetic test error after 300 steps: %.1f%% (chance 90%%)", 100 * error);
        QVERIFY2(error < 0.35, qPrintable(QString::number(error)));
    }

    void fashionMnist() {
        if (!QFileInfo(kFashionMnistDir).isDir())
            QSKIP("Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist");
        DataOptions options; // the default: Fashion-MNIST from Debian's folder
        auto start = std::chrono::steady_clock::now();
        const Dataset train = load_dataset(options);
        qInfo("Fashion-MNIST train (gzip) loaded in %.0f ms", elapsedMs(start));
        QCOMPARE(train.name, std::string("fashion-mnist"));
        QCOMPARE(train.images.sizes().vec(), (std::vector<int64_t>{60000, 1, 28, 28}));
        QCOMPARE(train.labels.size(0), int64_t(60000));
        QCOMPARE(train.labels.min().item<int64_t>(), int64_t(0));
        QCOMPARE(train.labels.max().item<int64_t>(), int64_t(9));
        // Fashion-MNIST is balanced: 6000 of each class in train, 1000 in test.
        QVERIFY(
            torch::equal(torch::bincount(train.labels), torch::full({10}, 6000, torch::kInt64)));
        QCOMPARE(train.classes.size(), size_t(10));
        QCOMPARE(train.classes.front(), std::string("T-shirt/top"));
        // The published mean and std of the training pixels.
        const Normalization measured = measure_normalization(train.images);
        QVERIFY(std::abs(measured.mean[0] - train.norm.mean[0]) < 1e-3);
        QVERIFY(std::abs(measured.std[0] - train.norm.std[0]) < 1e-3);

        options.split = Split::Test;
        options.downsample = 2;
        start = std::chrono::steady_clock::now();
        const Dataset small = load_dataset(options);
        qInfo("Fashion-MNIST test, downsampled by 2, loaded in %.0f ms", elapsedMs(start));
        QCOMPARE(small.images.sizes().vec(), (std::vector<int64_t>{10000, 1, 14, 14}));
        QVERIFY(
            torch::equal(torch::bincount(small.labels), torch::full({10}, 1000, torch::kInt64)));
        options.downsample = 1;
        const Dataset test = load_dataset(options);
        // Each downsampled pixel is the mean of its 2 x 2 block, rounded; so is each image's mean.
        const torch::Tensor blocks = torch::nn::functional::avg_pool2d(
            test.images.to(torch::kFloat32), torch::nn::functional::AvgPool2dFuncOptions(2));
        QVERIFY((small.images.to(torch::kFloat32) - blocks).abs().max().item<float>() <= 0.5f);
        const torch::Tensor meanSmall = small.images.to(torch::kFloat32).mean({1, 2, 3});
        const torch::Tensor meanFull = test.images.to(torch::kFloat32).mean({1, 2, 3});
        QVERIFY((meanSmall - meanFull).abs().max().item<float>() <= 0.5f);

        options.split = Split::Train;
        options.held_out = true;
        const Dataset kept = load_dataset(options);
        options.split = Split::Validation;
        const Dataset validation = load_dataset(options);
        QCOMPARE(kept.size(), int64_t(55000));
        QCOMPARE(validation.size(), int64_t(5000));
        QVERIFY(torch::equal(kept.images, train.images.narrow(0, 0, 55000)));
        QVERIFY(torch::equal(validation.images, train.images.narrow(0, 55000, 5000)));
        QVERIFY(torch::equal(validation.labels, train.labels.narrow(0, 55000, 5000)));

        // Grey to three channels for nets made for RGB.
        options.split = Split::Test;
        options.channels = 3;
        const Dataset rgb = load_dataset(options);
        QCOMPARE(rgb.channels(), int64_t(3));
        QVERIFY(torch::equal(rgb.images.select(1, 2), test.images.select(1, 0)));
        QCOMPARE(rgb.norm.mean.size(), size_t(3));

        const torch::Tensor indices = epoch_order(train.size(), 5, 0).narrow(0, 0, 128);
        make_batch(train, indices); // warm-up
        start = std::chrono::steady_clock::now();
        for (int i = 0; i < 20; ++i)
            make_batch(train, indices, Augment::cifar(), uint64_t(i));
        qInfo("make_batch, 128 Fashion-MNIST images, crop and flip: %.3f ms",
              elapsedMs(start) / 20);
    }

    void batchWithoutAugmentation() {
        const Dataset data = make_synthetic(64, 3, 16, 4);
        const torch::Tensor indices = torch::tensor({5, 2, 9, 5, 63}, torch::kInt64);
        const torch::Tensor batch = make_batch(data, indices);
        QCOMPARE(batch.scalar_type(), torch::kFloat32);
        QCOMPARE(batch.sizes().vec(), (std::vector<int64_t>{5, 3, 16, 16}));
        QVERIFY(torch::equal(batch, normalised(data, indices)));
        // Element by element: ((x / 255) - mean) / std, and the batch's rows are the right images.
        for (int64_t k = 0; k < indices.size(0); ++k) {
            const int64_t i = indices[k].item<int64_t>();
            for (int64_t ch = 0; ch < 3; ++ch) {
                const double x = data.images[i][ch][3][4].item<int>() / 255.0;
                const double want = (x - data.norm.mean[ch]) / data.norm.std[ch];
                QVERIFY(std::abs(batch[k][ch][3][4].item<double>() - want) < 1e-5);
            }
        }
        // Augmentation switched off, given a generator: the same as none.
        torch::Generator gen = make_generator(9);
        QVERIFY(torch::equal(make_batch(data, indices, Augment{}, gen), batch));
        QVERIFY(
            torch::equal(make_batch(data, indices, Augment{/*pad=*/4, false, false}, 3), batch));
    }

    void batchFlip() {
        const Dataset data = make_synthetic(64, 3, 16, 4);
        const torch::Tensor indices = torch::arange(64);
        Augment flip;
        flip.flip = true;
        const torch::Tensor a = make_batch(data, indices, flip, 17);
        QVERIFY(torch::equal(a, make_batch(data, indices, flip, 17)));
        QVERIFY(!torch::equal(a, make_batch(data, indices, flip, 18)));
        const torch::Tensor plain = normalised(data, indices);
        int flipped = 0;
        for (int64_t i = 0; i < 64; ++i) {
            const bool same = torch::equal(a[i], plain[i]);
            const bool mirrored = torch::equal(a[i], plain[i].flip({2}));
            QVERIFY(same || mirrored);
            flipped += mirrored && !same;
        }
        QVERIFY2(flipped > 16 && flipped < 48, qPrintable(QString::number(flipped)));
        // One generator carried along gives a fresh draw each batch, reproducibly.
        torch::Generator g1 = make_generator(5), g2 = make_generator(5);
        const torch::Tensor first = make_batch(data, indices, flip, g1);
        QVERIFY(torch::equal(first, make_batch(data, indices, flip, g2)));
        QVERIFY(!torch::equal(make_batch(data, indices, flip, g1), first));
    }

    void batchCrop() {
        const Dataset data = make_synthetic(32, 3, 16, 6);
        const torch::Tensor indices = torch::arange(32);
        const Augment cifar = Augment::cifar();
        const torch::Tensor a = make_batch(data, indices, cifar, 21);
        QCOMPARE(a.sizes().vec(), (std::vector<int64_t>{32, 3, 16, 16}));
        QVERIFY(torch::equal(a, make_batch(data, indices, cifar, 21)));
        QVERIFY(!torch::equal(a, make_batch(data, indices, cifar, 22)));
        // Every image is a 16 x 16 window of its zero-padded original, maybe mirrored; the
        // windows vary. Zero pixels normalise to -mean/std.
        const torch::Tensor padded = normalize(
            torch::constant_pad_nd(data.images, {4, 4, 4, 4}, 0).to(torch::kFloat32).div(255.0),
            data.norm);
        std::set<std::pair<int64_t, int64_t>> offsets;
        for (int64_t i = 0; i < 32; ++i) {
            bool found = false;
            for (int64_t y = 0; y <= 8 && !found; ++y) {
                for (int64_t x = 0; x <= 8 && !found; ++x) {
                    const torch::Tensor window = padded[i].narrow(1, y, 16).narrow(2, x, 16);
                    if (torch::equal(a[i], window) || torch::equal(a[i], window.flip({2}))) {
                        found = true;
                        offsets.insert({y, x});
                    }
                }
            }
            QVERIFY2(found, qPrintable(QString("image %1 is no crop of its original").arg(i)));
        }
        QVERIFY(offsets.size() > 8);

        // Crop alone: no image is mirrored unless its window is symmetric by chance.
        Augment crop;
        crop.crop = true;
        crop.pad = 2;
        const torch::Tensor b = make_batch(data, indices, crop, 3);
        const torch::Tensor padded2 = normalize(
            torch::constant_pad_nd(data.images, {2, 2, 2, 2}, 0).to(torch::kFloat32).div(255.0),
            data.norm);
        for (int64_t i = 0; i < 32; ++i) {
            bool found = false;
            for (int64_t y = 0; y <= 4 && !found; ++y)
                for (int64_t x = 0; x <= 4 && !found; ++x)
                    found = torch::equal(b[i], padded2[i].narrow(1, y, 16).narrow(2, x, 16));
            QVERIFY(found);
        }
    }

    void epochOrder() {
        const torch::Tensor a = epoch_order(1000, 3, 0);
        QCOMPARE(a.scalar_type(), torch::kInt64);
        QVERIFY(torch::equal(std::get<0>(a.sort()), torch::arange(1000)));
        QVERIFY(torch::equal(a, epoch_order(1000, 3, 0)));
        QVERIFY(!torch::equal(a, epoch_order(1000, 3, 1)));
        QVERIFY(!torch::equal(a, epoch_order(1000, 4, 0)));
    }

    void batchSpeed() {
        const Dataset data = make_synthetic(2000, 3, 32, 1);
        const torch::Tensor indices = epoch_order(data.size(), 1, 0).narrow(0, 0, 128);
        torch::Generator gen = make_generator(1);
        make_batch(data, indices, Augment::cifar(), gen);
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < 50; ++i)
            make_batch(data, indices, Augment::cifar(), gen);
        qInfo("make_batch, 128 CIFAR-sized images, pad 4, crop and flip: %.3f ms",
              elapsedMs(start) / 50);
        const auto plainStart = std::chrono::steady_clock::now();
        for (int i = 0; i < 50; ++i)
            make_batch(data, indices);
        qInfo("make_batch, 128 CIFAR-sized images, no augmentation: %.3f ms",
              elapsedMs(plainStart) / 50);
    }
};

QTEST_APPLESS_MAIN(TestDatasets)
#include "test_datasets.moc"
