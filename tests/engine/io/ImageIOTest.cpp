// Image input through OpenCV: depths, channel orders, alpha, EXIF orientation,
// normalization, and clear errors for missing or non-image files; feature-map output.
#include "TestUtils.h"
#include "common/TempFolderTest.h"
#include "common/TestPaths.h"

#include "engine/io/ImageIO.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace convscope;
namespace fs = std::filesystem;

namespace {
class ImageIO : public convscope::test::TempFolderTest {
};

std::string imageError(const std::string& path, ImageLoadOptions options = {}) {
  try {
    loadImage(path, options);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}
} // namespace

TEST_F(ImageIO, GrayAndColourPngKeepValuesAndRgbOrder) {
  cv::Mat gray(2, 3, CV_8U);
  for (int i = 0; i < 6; ++i) gray.data[i] = static_cast<uchar>(i * 40);
  ASSERT_TRUE(cv::imwrite(path("gray.png"), gray));
  const Tensor g = loadImage(path("gray.png"));
  ASSERT_EQ(g.shape(), (Shape{1, 1, 2, 3}));
  EXPECT_EQ(g.at(0, 0, 1, 2), 200.0f);

  cv::Mat bgr(1, 2, CV_8UC3, cv::Scalar(10, 20, 30)); // OpenCV stores blue first
  ASSERT_TRUE(cv::imwrite(path("colour.png"), bgr));
  const Tensor c = loadImage(path("colour.png"));
  ASSERT_EQ(c.shape(), (Shape{1, 3, 1, 2}));
  EXPECT_EQ(c.at(0, 0, 0, 0), 30.0f); // red
  EXPECT_EQ(c.at(0, 1, 0, 0), 20.0f); // green
  EXPECT_EQ(c.at(0, 2, 0, 1), 10.0f); // blue

  const Tensor asGray = loadImage(path("colour.png"), {1, false});
  ASSERT_EQ(asGray.shape(), (Shape{1, 1, 1, 2}));
  EXPECT_NEAR(asGray.at(0, 0, 0, 0), 0.299 * 30 + 0.587 * 20 + 0.114 * 10, 1.0);
  const Tensor grayAsRgb = loadImage(path("gray.png"), {3, true});
  ASSERT_EQ(grayAsRgb.shape(), (Shape{1, 3, 2, 3}));
  EXPECT_FLOAT_EQ(grayAsRgb.at(0, 2, 1, 2), 200.0f / 255.0f);
}

TEST_F(ImageIO, SixteenBitAndAlpha) {
  cv::Mat deep(1, 2, CV_16U);
  deep.at<uint16_t>(0, 0) = 65535;
  deep.at<uint16_t>(0, 1) = 257 * 100;
  ASSERT_TRUE(cv::imwrite(path("deep.png"), deep));
  const Tensor d = loadImage(path("deep.png"));
  EXPECT_FLOAT_EQ(d.at(0, 0, 0, 0), 255.0f);
  EXPECT_FLOAT_EQ(d.at(0, 0, 0, 1), 100.0f);

  cv::Mat rgba(1, 1, CV_8UC4, cv::Scalar(1, 2, 3, 128));
  ASSERT_TRUE(cv::imwrite(path("rgba.png"), rgba));
  const Tensor a = loadImage(path("rgba.png"));
  ASSERT_EQ(a.shape(), (Shape{1, 3, 1, 1})); // alpha dropped
  EXPECT_EQ(a.at(0, 0, 0, 0), 3.0f);
}

TEST_F(ImageIO, ExifOrientationIsHonoured) {
  // A 16x32 JPEG, dark left half, bright right half, tagged "rotate 90° clockwise" (6).
  cv::Mat image(16, 32, CV_8U, cv::Scalar(0));
  image.colRange(16, 32).setTo(255);
  std::vector<uchar> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", image, jpeg));
  const std::vector<uchar> app1{0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0,    0,          // APP1, length 34
                                'M',  'M',  0x00, 0x2A, 0,   0,   0,   8,                     // TIFF header
                                0x00, 0x01,                                                   // one entry
                                0x01, 0x12, 0x00, 0x03, 0,   0,   0,   1,   0x00, 0x06, 0, 0, // orientation = 6
                                0,    0,    0,    0};                                         // no next IFD
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  std::ofstream(path("rotated.jpg"), std::ios::binary)
      .write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
  const Tensor t = loadImage(path("rotated.jpg"));
  ASSERT_EQ(t.shape(), (Shape{1, 1, 32, 16})); // rotated
  EXPECT_LT(t.at(0, 0, 4, 8), 30.0f);          // the left (dark) half is now on top
  EXPECT_GT(t.at(0, 0, 28, 8), 225.0f);
}

TEST_F(ImageIO, ClearErrors) {
  EXPECT_EQ(imageError(path("missing.png")), path("missing.png") + ": no such file");
  std::ofstream(path("notes.png")) << "this is not an image";
  EXPECT_EQ(imageError(path("notes.png")),
            path("notes.png") + ": not an image ConvScope can open (it reads PNG, JPEG, BMP, TIFF, WebP, "
                                "PBM/PGM/PPM, PAM, PFM, Sun raster, Radiance HDR and JPEG 2000)");
  EXPECT_EQ(imageError(dir_.string()), dir_.string() + ": is a folder, not an image file");
  EXPECT_EQ(imageError(path("notes.png"), {2, false}), "image channels must be 1 (gray) or 3 (RGB), got 2");
  EXPECT_FALSE(isImageFile(path("notes.png")));
}

// Damaged files: empty, cut short, the wrong content; each refused with a message, never a crash.
TEST_F(ImageIO, EmptyAndTruncatedFilesAreRefused) {
  std::ofstream(path("empty.png"));
  EXPECT_NE(imageError(path("empty.png")).find("not an image ConvScope can open"), std::string::npos);
  cv::Mat gradient(64, 48, CV_8UC3);
  for (int r = 0; r < gradient.rows; ++r)
    for (int c = 0; c < gradient.cols; ++c) gradient.at<cv::Vec3b>(r, c) = cv::Vec3b(uchar(r * 4), uchar(c * 5), 90);
  for (const std::string name : {"whole.png", "whole.jpg"}) {
    ASSERT_TRUE(cv::imwrite(path(name), gradient));
    std::ifstream in(path(name), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t keep : {size_t(0), size_t(8), size_t(30), bytes.size() / 2}) {
      const std::string cut = path("cut-" + std::to_string(keep) + "-" + name);
      std::ofstream(cut, std::ios::binary) << bytes.substr(0, keep);
      try {
        const Tensor t = loadImage(cut); // a decoder may return what it has (grey rows)…
        EXPECT_EQ(t.shape(), (Shape{1, 3, 64, 48})) << cut;
      } catch (const std::invalid_argument& e) { // …or refuse it, by name
        EXPECT_NE(std::string(e.what()).find(cut), std::string::npos);
      }
    }
  }
}

// A PNG whose chunk declares more bytes than the file holds: libpng would allocate and clear
// what the chunk declares (2 GB for a 243-byte file the fuzzer made), so it is refused first.
TEST_F(ImageIO, APngChunkLongerThanTheFileIsRefusedBeforeLibpngReadsIt) {
  cv::Mat grey(8, 8, CV_8UC1, cv::Scalar(100));
  ASSERT_TRUE(cv::imwrite(path("ok.png"), grey));
  std::ifstream in(path("ok.png"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t iend = bytes.find("IEND") - 4;
  const std::string chunk = std::string("\x7f\xff\xff\xff", 4) + "tEXt" + "x"; // declares 2 GiB
  std::ofstream(path("long-chunk.png"), std::ios::binary) << bytes.substr(0, iend) + chunk;
  EXPECT_NE(imageError(path("long-chunk.png"))
                .find("long-chunk.png: a damaged PNG file: its chunk 'tEXt' declares 2147483647 "
                      "bytes, more than the"),
            std::string::npos)
      << imageError(path("long-chunk.png"));
  EXPECT_EQ(loadImage(path("ok.png")).at(0, 0, 3, 3), 100.0f); // the file it came from is fine
}

// A decompression bomb: a few bytes whose header declares 100000×100000 pixels, refused
// before anything is decoded or allocated, naming the numbers and the limit.
TEST_F(ImageIO, DecompressionBombsAreRefusedBeforeDecoding) {
  // PNG: signature, then IHDR (width, height, depth 8, grey) and a CRC that does not matter.
  const unsigned char png[] = {0x89, 'P',  'N',  'G',  '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0x00,
                               0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0, 8,    0, 0, 0, 0,  0,   0,   0,   0};
  std::ofstream(path("bomb.png"), std::ios::binary).write(reinterpret_cast<const char*>(png), sizeof png);
  EXPECT_EQ(imageError(path("bomb.png")), path("bomb.png") + ": the PNG image declares 100000×100000 = 10,000,000,000 "
                                                          "pixels; ConvScope opens images up to 67,108,864 pixels "
                                                          "(64 megapixels)");
  // JPEG: start of image, then a baseline frame header of 65000×65000.
  const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xFD,
                                0xE8, 0xFD, 0xE8, 0x01, 0x01, 0x11, 0x00};
  std::ofstream(path("bomb.jpg"), std::ios::binary).write(reinterpret_cast<const char*>(jpeg), sizeof jpeg);
  EXPECT_NE(imageError(path("bomb.jpg")).find("declares 65000×65000 = 4,225,000,000 pixels"), std::string::npos);
  // BMP: 40000×40000 in its info header.
  std::string bmp(54, '\0');
  bmp[0] = 'B', bmp[1] = 'M';
  const int32_t side = 40000;
  std::memcpy(&bmp[18], &side, 4);
  std::memcpy(&bmp[22], &side, 4);
  std::ofstream(path("bomb.bmp"), std::ios::binary) << bmp;
  EXPECT_NE(imageError(path("bomb.bmp")).find("declares 40000×40000"), std::string::npos);
  // Just under the limit is not a bomb: an 8192×8192 header passes the check (and, being
  // only a header, then fails to decode).
  const unsigned char big[] = {0x89, 'P',  'N',  'G',  '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0x00,
                               0x00, 0x20, 0x00, 0x00, 0x00, 0x20, 0x00, 8,    0, 0, 0, 0,  0,   0,   0,   0};
  std::ofstream(path("big.png"), std::ios::binary).write(reinterpret_cast<const char*>(big), sizeof big);
  EXPECT_EQ(imageError(path("big.png")).find("declares"), std::string::npos);
}

// Unusual files that are fine: a palette PNG, grey with alpha, a CMYK JPEG, a BMP, a PGM, and
// the other formats ConvScope reads as ImageMagick writes them (the fuzzer's seeds; its Sun
// raster is run-length encoded, which OpenCV does not decode: ImageHeaderTest opens OpenCV's own).
TEST_F(ImageIO, PaletteGreyAlphaCmykBmpPgmAndEveryOtherFormatOpen) {
  const std::string corpus = convscope::test::sourcePath("tests/fuzz/corpus/image/");
  for (const char* name : {"palette.png", "grayalpha.png", "cmyk.jpg", "rgb.bmp", "gray.pgm", "gray16.png",
                           "bits.pbm", "rgb.pam", "rgb.pfm", "rgb.hdr", "rgb.tif", "gray-deflate.tif",
                           "lossy.webp", "lossless.webp", "rgb.jp2", "gray.j2k"}) {
    SCOPED_TRACE(name);
    // The fuzz corpus's seeds start with one byte for the fuzzer: the file is the rest.
    std::ifstream in(corpus + name + ".seed", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 1u);
    std::ofstream(path(name), std::ios::binary) << bytes.substr(1);
    const Tensor t = loadImage(path(name));
    EXPECT_EQ(t.shape()[2], 8);
    EXPECT_EQ(t.shape()[3], 8);
    const auto [lo, hi] = std::minmax_element(t.values().begin(), t.values().end());
    EXPECT_GE(*lo, 0.0f);
    EXPECT_LE(*hi, 255.0f);
    EXPECT_GT(*hi, *lo);                                        // not blank
    EXPECT_EQ(loadImage(path(name), {3, false}).shape()[1], 3); // any of them as RGB
  }
}

TEST_F(ImageIO, FeatureMapGridAndColourImages) {
  Tensor maps(Shape{1, 5, 4, 6});
  for (int64_t i = 0; i < maps.size(); ++i) maps.data()[i] = static_cast<float>(i % 7) - 3;
  saveFeatureMapImage(maps, path("grid.png"));
  const cv::Mat grid = cv::imread(path("grid.png"), cv::IMREAD_UNCHANGED);
  EXPECT_EQ(grid.rows, 2 * 4 + 2); // 5 maps → 3 columns × 2 rows with a 2-pixel gutter
  EXPECT_EQ(grid.cols, 3 * 6 + 2 * 2);

  Tensor rgb(Shape{3, 1, 1}, std::vector<float>{300, 128, -5});
  saveFeatureMapImage(rgb, path("colour.png"), MapImageStyle::Colour);
  const cv::Mat colour = cv::imread(path("colour.png"));
  EXPECT_EQ(colour.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 128, 255)); // BGR, clamped
  EXPECT_THROW(saveFeatureMapImage(rgb, path("out.unknown-extension")), std::invalid_argument);
}
