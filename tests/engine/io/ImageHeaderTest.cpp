// Image headers read before decoding (engine/io/ImageHeader.h): every format OpenCV writes
// is read at the size OpenCV wrote (OpenCV's writers are the oracle), and every format's
// decompression bomb is refused by its header, naming the size and the limit, before any
// decoder sees it.
#include "common/ImageBombs.h"
#include "common/TempFolderTest.h"

#include "engine/io/ImageHeader.h"
#include "engine/io/ImageIO.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace convscope;
namespace fs = std::filesystem;

namespace {
class ImageHeaders : public convscope::test::TempFolderTest {
protected:
  std::string write(const std::string& name, const std::string& bytes) const {
    test::writeFile(path(name), bytes);
    return path(name);
  }
};

std::string headerError(const std::string& path) {
  try {
    readImageHeader(path);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

std::string refusal(const std::string& format, const std::string& size, const std::string& pixels) {
  return ": the " + format + " image declares " + size + " = " + pixels +
         " pixels; ConvScope opens images up to 67,108,864 pixels (64 megapixels)";
}

std::string bigEndian32(uint32_t v) {
  return {char(v >> 24), char(v >> 16 & 0xFF), char(v >> 8 & 0xFF), char(v & 0xFF)};
}
} // namespace

// OpenCV writes a 37×33 image in each format it can write; the header says 37×33, and
// loadImage opens it at that size.
TEST_F(ImageHeaders, EveryFormatOpenCvWritesIsReadAtItsSize) {
  cv::Mat gray(33, 37, CV_8U), colour(33, 37, CV_8UC3), floats(33, 37, CV_32FC3); // JPEG 2000 wants 32 or more
  cv::randu(gray, 0, 255);
  cv::randu(colour, 0, 255);
  cv::randu(floats, 0.0f, 1.0f);
  const std::vector<std::tuple<std::string, std::string, cv::Mat>> cases{
      {"a.png", "PNG", colour}, {"a.jpg", "JPEG", colour}, {"a.bmp", "BMP", colour},
      {"a.tif", "TIFF", colour}, {"a.webp", "WebP", colour}, {"a.pgm", "PNM", gray},
      {"a.ppm", "PNM", colour}, {"a.pbm", "PNM", gray}, {"a.pam", "PAM", colour},
      {"a.pfm", "PFM", floats}, {"a.sr", "Sun raster", colour}, {"a.hdr", "Radiance HDR", floats},
      {"a.jp2", "JPEG 2000", colour}};
  for (const auto& [name, format, image] : cases) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(cv::imwrite(path(name), image));
    const ImageHeader header = readImageHeader(path(name));
    EXPECT_EQ(header.format, format);
    EXPECT_EQ(header.width, 37);
    EXPECT_EQ(header.height, 33);
    EXPECT_EQ(imageFormatOf(path(name)), format);
    const Tensor t = loadImage(path(name));
    EXPECT_EQ(t.shape()[2], 33);
    EXPECT_EQ(t.shape()[3], 37);
  }
  // The same from memory (a lecture file's PNG).
  std::vector<uchar> png;
  ASSERT_TRUE(cv::imencode(".png", gray, png));
  const ImageHeader fromMemory = readImageHeader(png, "input.png");
  EXPECT_EQ(fromMemory.format, "PNG");
  EXPECT_EQ(fromMemory.width, 37);
}

// The files: a real 160 kB TIFF of 20000×20000 (deflate, decodable), in both byte
// orders and with its directory 100 kB into the file; a PGM header of 20000×20000; a WebP
// header of 16000×16000. Each is refused by its header.
TEST_F(ImageHeaders, TiffPnmAndWebpBombsAreRefusedByTheirHeaders) {
  for (const bool big : {false, true}) {
    const std::string tif = write(big ? "bomb-mm.tif" : "bomb-ii.tif", test::tiffOfZeros(20000, big));
    EXPECT_EQ(headerError(tif), tif + refusal("TIFF", "20000×20000", "400,000,000"));
  }
  const std::string far = write("far.tif", test::tiffOfZeros(20000, false, 100000));
  EXPECT_EQ(headerError(far), far + refusal("TIFF", "20000×20000", "400,000,000"));
  const std::string pgm = write("bomb.pgm", test::pgmHeader(20000, 20000));
  EXPECT_EQ(headerError(pgm), pgm + refusal("PNM", "20000×20000", "400,000,000"));
  const std::string webp = write("bomb.webp", test::webpLosslessHeader(16000, 16000));
  EXPECT_EQ(headerError(webp), webp + refusal("WebP", "16000×16000", "256,000,000"));
  // loadImage refuses them the same way (it reads the header first).
  try {
    loadImage(far);
    ADD_FAILURE() << "loaded";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), far + refusal("TIFF", "20000×20000", "400,000,000"));
  }
  // A small TIFF made the same way opens, all zeros: the bomb's construction is a real image.
  const std::string small = write("small.tif", test::tiffOfZeros(64));
  const Tensor zeros = loadImage(small);
  EXPECT_EQ(zeros.shape(), (Shape{1, 1, 64, 64}));
  EXPECT_EQ(zeros.at(0, 0, 63, 63), 0.0f);
}

// The other formats' bombs, each a header and nothing more.
TEST_F(ImageHeaders, EveryOtherFormatsBombIsRefused) {
  const std::string pam = write("bomb.pam", "P7\nWIDTH 30000\nHEIGHT 30000\nDEPTH 1\nMAXVAL 255\nENDHDR\n");
  EXPECT_EQ(headerError(pam), pam + refusal("PAM", "30000×30000", "900,000,000"));
  const std::string pfm = write("bomb.pfm", "PF\n10000 10000\n-1.0\n");
  EXPECT_EQ(headerError(pfm), pfm + refusal("PFM", "10000×10000", "100,000,000"));
  const std::string sun = write("bomb.sr", "\x59\xA6\x6A\x95" + bigEndian32(9000) + bigEndian32(9000) + std::string(20, 0));
  EXPECT_EQ(headerError(sun), sun + refusal("Sun raster", "9000×9000", "81,000,000"));
  const std::string hdr = write("bomb.hdr", "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 12000 +X 8000\n");
  EXPECT_EQ(headerError(hdr), hdr + refusal("Radiance HDR", "8000×12000", "96,000,000"));
  // JPEG 2000: a codestream's size marker, and a JP2 file's image header box.
  const std::string j2k = write("bomb.j2k", std::string("\xFF\x4F\xFF\x51\x00\x29\x00\x00", 8) + bigEndian32(50000) +
                                                bigEndian32(50000) + bigEndian32(0) + bigEndian32(0));
  EXPECT_EQ(headerError(j2k), j2k + refusal("JPEG 2000", "50000×50000", "2,500,000,000"));
  const std::string jp2box = std::string("\0\0\0\x0CjP  \r\n\x87\n", 12) + bigEndian32(20) + "ftypjp2 " +
                             bigEndian32(0) + "jp2 " + bigEndian32(8 + 22) + "jp2h" + bigEndian32(22) + "ihdr" +
                             bigEndian32(40000) + bigEndian32(30000) + std::string(6, 0);
  const std::string jp2 = write("bomb.jp2", jp2box);
  EXPECT_EQ(headerError(jp2), jp2 + refusal("JPEG 2000", "30000×40000", "1,200,000,000"));
  // A JPEG whose frame header comes after 130 kB of application segments (an old check read
  // only the first 64 kB).
  std::string jpeg("\xFF\xD8", 2);
  for (int i = 0; i < 2; ++i) jpeg += std::string("\xFF\xE1\xFF\xFF", 4) + std::string(65533, 'x');
  jpeg += std::string("\xFF\xC0\x00\x0B\x08\x4E\x20\x4E\x20\x01\x01\x11\x00", 13); // 20000×20000
  const std::string deep = write("deep.jpg", jpeg);
  EXPECT_EQ(headerError(deep), deep + refusal("JPEG", "20000×20000", "400,000,000"));
}

// What is not a known format, or whose header is damaged, is refused by name.
TEST_F(ImageHeaders, UnknownFormatsAndDamagedHeadersAreRefusedByName) {
  const std::string text = write("notes.tif", "just some text");
  EXPECT_EQ(headerError(text), text + ": not an image ConvScope can open (it reads " + knownImageFormats() + ")");
  EXPECT_EQ(imageFormatOf(text), "");
  // DICOM (OpenCV reads it through GDCM) is not one ConvScope opens: refused, by name.
  const std::string dicom = write("scan.dcm", std::string(128, '\0') + "DICM" + std::string(64, '\0'));
  EXPECT_NE(headerError(dicom).find("not an image ConvScope can open"), std::string::npos);
  const std::string tiff = test::tiffOfZeros(16);
  const std::string cut = write("cut.tif", tiff.substr(0, 20));
  EXPECT_NE(headerError(cut).find(cut + ": a damaged TIFF file"), std::string::npos) << headerError(cut);
  const std::string jpeg = write("cut.jpg", std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10));
  EXPECT_EQ(headerError(jpeg), jpeg + ": a damaged JPEG file: it ends before its frame header (SOF)");
  const std::string pgm = write("cut.pgm", "P5\n# no size\n");
  EXPECT_EQ(headerError(pgm), pgm + ": a damaged PNM file: its header has no width and height");
  const std::string webp = write("cut.webp", std::string("RIFF\x10\0\0\0WEBPVP8L", 16));
  EXPECT_EQ(headerError(webp), webp + ": a damaged WebP file: libwebp cannot read its header");
  const std::string zero = write("zero.pgm", "P5\n0 10\n255\n");
  EXPECT_EQ(headerError(zero), zero + ": a damaged PNM file: it declares 0×10 pixels");
}
