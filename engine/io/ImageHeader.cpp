// Image headers read without decoding: one small reader per format over a random-access
// byte source (a file or memory), libtiff and libwebp for their formats.
#include "engine/io/ImageHeader.h"

#include "engine/network/LayerList.h" // withCommas

#include <tiffio.h>
#include <webp/decode.h>

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace convscope {

namespace {

// Random access to the file's bytes or a buffer's; reads past the end return fewer bytes.
class ByteSource {
public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  virtual size_t readAt(uint64_t offset, void* dst, size_t n) = 0;
  // Up to n bytes from offset (fewer at the end).
  std::vector<uint8_t> bytes(uint64_t offset, size_t n) {
    std::vector<uint8_t> out(n);
    out.resize(readAt(offset, out.data(), n));
    return out;
  }
};

class FileSource final : public ByteSource {
public:
  explicit FileSource(const std::string& path) : file_(path, std::ios::binary) {
    if (!file_) throw std::invalid_argument(path + ": cannot open the file for reading");
    file_.seekg(0, std::ios::end);
    size_ = uint64_t(file_.tellg());
  }
  uint64_t size() const override { return size_; }
  size_t readAt(uint64_t offset, void* dst, size_t n) override {
    if (offset >= size_) return 0;
    n = size_t(std::min<uint64_t>(n, size_ - offset));
    file_.clear();
    file_.seekg(std::streamoff(offset));
    file_.read(static_cast<char*>(dst), std::streamsize(n));
    return size_t(file_.gcount());
  }

private:
  std::ifstream file_;
  uint64_t size_ = 0;
};

class MemorySource final : public ByteSource {
public:
  explicit MemorySource(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  size_t readAt(uint64_t offset, void* dst, size_t n) override {
    if (offset >= bytes_.size()) return 0;
    n = size_t(std::min<uint64_t>(n, bytes_.size() - offset));
    std::memcpy(dst, bytes_.data() + offset, n);
    return n;
  }

private:
  std::span<const uint8_t> bytes_;
};

uint32_t bigEndian32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint32_t littleEndian32(const uint8_t* p) {
  return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}
bool startsWith(const std::vector<uint8_t>& head, std::string_view prefix) {
  return head.size() >= prefix.size() && std::memcmp(head.data(), prefix.data(), prefix.size()) == 0;
}

[[noreturn]] void damaged(const std::string& name, const std::string& format, const std::string& what) {
  throw std::invalid_argument(name + ": a damaged " + format + " file: " + what);
}

const char* const kJp2Signature = "\0\0\0\x0CjP  \r\n\x87\n";

// The format the first 16 bytes name ("" for none of those ConvScope reads).
std::string formatOf(const std::vector<uint8_t>& head) {
  if (startsWith(head, "\x89PNG\r\n\x1a\n")) return "PNG";
  if (startsWith(head, "\xFF\xD8\xFF")) return "JPEG";
  if (startsWith(head, "BM")) return "BMP";
  if (startsWith(head, "II*\0") || startsWith(head, std::string_view("MM\0*", 4)) || startsWith(head, "II+\0") ||
      startsWith(head, std::string_view("MM\0+", 4)))
    return "TIFF";
  if (startsWith(head, "RIFF") && head.size() >= 12 && std::memcmp(head.data() + 8, "WEBP", 4) == 0) return "WebP";
  if (head.size() >= 3 && head[0] == 'P' && head[1] >= '1' && head[1] <= '6' && std::isspace(head[2])) return "PNM";
  if (startsWith(head, "P7") && head.size() >= 3 && std::isspace(head[2])) return "PAM";
  if ((startsWith(head, "PF") || startsWith(head, "Pf")) && head.size() >= 3 && std::isspace(head[2])) return "PFM";
  if (startsWith(head, "\x59\xA6\x6A\x95")) return "Sun raster";
  if (startsWith(head, "#?RADIANCE") || startsWith(head, "#?RGBE")) return "Radiance HDR";
  if (startsWith(head, std::string_view(kJp2Signature, 12)) || startsWith(head, "\xFF\x4F\xFF\x51")) return "JPEG 2000";
  return "";
}

// PNG: IHDR's width and height; every chunk walked, since libpng allocates (and clears) what
// a chunk declares: gigabytes for a damaged file of a few hundred bytes (found by the fuzzer).
std::pair<int64_t, int64_t> pngSize(ByteSource& source, const std::string& name) {
  const auto head = source.bytes(0, 24);
  if (head.size() < 24 || std::memcmp(head.data() + 12, "IHDR", 4) != 0)
    damaged(name, "PNG", "it does not start with its header chunk (IHDR)");
  const uint64_t size = source.size();
  uint64_t at = 8; // after the signature
  while (at + 8 <= size) {
    const auto chunk = source.bytes(at, 8);
    const uint64_t length = bigEndian32(chunk.data());
    const std::string type(reinterpret_cast<const char*>(chunk.data() + 4), 4);
    if (at + 12 + length > size)
      damaged(name, "PNG",
              "its chunk '" + type + "' declares " + std::to_string(length) + " bytes, more than the " +
                  std::to_string(int64_t(size) - int64_t(at) - 12) + " left in the file");
    if (type == "IEND") break;
    at += 12 + length;
  }
  return {bigEndian32(head.data() + 16), bigEndian32(head.data() + 20)};
}

// JPEG: the markers walked (each segment's length) to the first start-of-frame.
std::pair<int64_t, int64_t> jpegSize(ByteSource& source, const std::string& name) {
  uint64_t at = 2;
  while (true) {
    auto marker = source.bytes(at, 2);
    if (marker.size() < 2) damaged(name, "JPEG", "it ends before its frame header (SOF)");
    if (marker[0] != 0xFF) damaged(name, "JPEG", "a segment at byte " + std::to_string(at) + " does not start a marker");
    const unsigned code = marker[1];
    if (code == 0xFF) { // fill byte
      ++at;
      continue;
    }
    if (code == 0xD8 || code == 0x01 || (code >= 0xD0 && code <= 0xD7)) { // markers without a segment
      at += 2;
      continue;
    }
    if (code == 0xD9 || code == 0xDA) damaged(name, "JPEG", "its image data begins before its frame header (SOF)");
    const auto segment = source.bytes(at + 2, 7);
    if (segment.size() < 2) damaged(name, "JPEG", "it ends inside a segment's length");
    const uint64_t length = uint64_t(segment[0]) << 8 | segment[1];
    const bool frame = code >= 0xC0 && code <= 0xCF && code != 0xC4 && code != 0xC8 && code != 0xCC;
    if (frame) {
      if (segment.size() < 7) damaged(name, "JPEG", "its frame header is cut short");
      return {int64_t(segment[5]) << 8 | segment[6], int64_t(segment[3]) << 8 | segment[4]};
    }
    if (length < 2) damaged(name, "JPEG", "a segment declares a length of " + std::to_string(length));
    at += 2 + length;
  }
}

// BMP: the DIB header's width and height (a negative height is a top-down image); the old
// OS/2 header (12 bytes) has 16-bit sides.
std::pair<int64_t, int64_t> bmpSize(ByteSource& source, const std::string& name) {
  const auto head = source.bytes(0, 26);
  if (head.size() < 22) damaged(name, "BMP", "its header is cut short");
  if (littleEndian32(head.data() + 14) == 12) return {head[18] | head[19] << 8, head[20] | head[21] << 8};
  if (head.size() < 26) damaged(name, "BMP", "its header is cut short");
  const auto w = int32_t(littleEndian32(head.data() + 18)), h = int32_t(littleEndian32(head.data() + 22));
  return {std::abs(int64_t(w)), std::abs(int64_t(h))};
}

// TIFF: libtiff reads the first directory (the page OpenCV decodes), nothing else. Its
// messages are collected for ours instead of going to stderr.
struct TiffClient {
  ByteSource* source;
  uint64_t at = 0;
  std::string error;
};
tmsize_t tiffRead(thandle_t h, void* dst, tmsize_t n) {
  auto* c = static_cast<TiffClient*>(h);
  const size_t got = c->source->readAt(c->at, dst, size_t(n));
  c->at += got;
  return tmsize_t(got);
}
tmsize_t tiffWrite(thandle_t, void*, tmsize_t) { return -1; }
toff_t tiffSeek(thandle_t h, toff_t offset, int whence) {
  auto* c = static_cast<TiffClient*>(h);
  const uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? c->at : c->source->size();
  c->at = base + offset;
  return c->at;
}
int tiffClose(thandle_t) { return 0; }
toff_t tiffSize(thandle_t h) { return static_cast<TiffClient*>(h)->source->size(); }
int tiffMap(thandle_t, void**, toff_t*) { return 0; }
void tiffUnmap(thandle_t, void*, toff_t) {}
int tiffError(TIFF*, void* user, const char* module, const char* format, va_list args) {
  auto* c = static_cast<TiffClient*>(user);
  char text[512];
  std::vsnprintf(text, sizeof text, format, args);
  if (c->error.empty()) c->error = std::string(module ? module : "libtiff") + ": " + text;
  return 1;
}
int tiffWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

std::pair<int64_t, int64_t> tiffSize(ByteSource& source, const std::string& name) {
  TiffClient client{&source, 0, {}};
  std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> options(TIFFOpenOptionsAlloc(), TIFFOpenOptionsFree);
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), tiffError, &client);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), tiffWarning, &client);
  TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), 16 << 20); // a directory's arrays, not pixels
  std::unique_ptr<TIFF, void (*)(TIFF*)> tiff(TIFFClientOpenExt(name.c_str(), "rm", &client, tiffRead, tiffWrite,
                                                                tiffSeek, tiffClose, tiffSize, tiffMap, tiffUnmap,
                                                                options.get()),
                                              TIFFClose);
  uint32_t w = 0, h = 0;
  if (!tiff || !TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &h))
    damaged(name, "TIFF", client.error.empty() ? "its first directory has no image size" : client.error);
  return {w, h};
}

std::pair<int64_t, int64_t> webpSize(ByteSource& source, const std::string& name) {
  const auto head = source.bytes(0, 64); // the RIFF header and the first chunk's size fields
  int w = 0, h = 0;
  if (!WebPGetInfo(head.data(), head.size(), &w, &h)) damaged(name, "WebP", "libwebp cannot read its header");
  return {w, h};
}

// The header text of the netpbm family and Radiance: at most 64 KiB.
std::string headerText(ByteSource& source) {
  const auto bytes = source.bytes(0, 1 << 16);
  return std::string(bytes.begin(), bytes.end());
}

// PBM, PGM, PPM and PFM: the magic, then width and height as text ('#' comments between).
std::pair<int64_t, int64_t> netpbmSize(ByteSource& source, const std::string& name, const std::string& format) {
  const std::string text = headerText(source);
  size_t at = 2;
  int64_t sides[2] = {0, 0};
  for (int64_t& side : sides) {
    while (at < text.size() && (std::isspace(uint8_t(text[at])) || text[at] == '#')) {
      if (text[at] == '#')
        while (at < text.size() && text[at] != '\n') ++at;
      else
        ++at;
    }
    const size_t start = at;
    while (at < text.size() && std::isdigit(uint8_t(text[at])) && at - start < 12) side = side * 10 + (text[at++] - '0');
    if (at == start) damaged(name, format, "its header has no width and height");
  }
  return {sides[0], sides[1]};
}

// PAM: "WIDTH n" and "HEIGHT n" lines before ENDHDR.
std::pair<int64_t, int64_t> pamSize(ByteSource& source, const std::string& name) {
  std::istringstream lines(headerText(source));
  std::string line;
  int64_t w = -1, h = -1;
  while (std::getline(lines, line) && line.rfind("ENDHDR", 0) != 0) {
    std::istringstream words(line);
    std::string key;
    int64_t value = -1;
    words >> key >> value;
    if (key == "WIDTH") w = value;
    if (key == "HEIGHT") h = value;
  }
  if (w < 0 || h < 0) damaged(name, "PAM", "its header has no WIDTH or HEIGHT");
  return {w, h};
}

std::pair<int64_t, int64_t> sunRasterSize(ByteSource& source, const std::string& name) {
  const auto head = source.bytes(0, 12);
  if (head.size() < 12) damaged(name, "Sun raster", "its header is cut short");
  return {bigEndian32(head.data() + 4), bigEndian32(head.data() + 8)};
}

// Radiance: header lines to the first empty one, then the resolution, "-Y 480 +X 640" (the
// axes in either order and direction).
std::pair<int64_t, int64_t> radianceSize(ByteSource& source, const std::string& name) {
  const std::string text = headerText(source);
  const size_t blank = text.find("\n\n");
  if (blank == std::string::npos) damaged(name, "Radiance HDR", "its header does not end in its first 64 KiB");
  std::istringstream resolution(text.substr(blank + 2, 64));
  std::string axis1, axis2;
  int64_t n1 = -1, n2 = -1;
  resolution >> axis1 >> n1 >> axis2 >> n2;
  if (axis1.size() != 2 || axis2.size() != 2 || n1 < 0 || n2 < 0 || axis1[1] == axis2[1])
    damaged(name, "Radiance HDR", "its resolution line is not like \"-Y 480 +X 640\"");
  return axis1[1] == 'X' ? std::pair{n1, n2} : std::pair{n2, n1};
}

// JPEG 2000: a codestream's SIZ marker, or in a JP2 file the image header box (ihdr) inside
// the header box (jp2h).
std::pair<int64_t, int64_t> jpeg2000Size(ByteSource& source, const std::string& name) {
  const auto head = source.bytes(0, 24);
  if (head[0] == 0xFF && head[1] == 0x4F) { // SOC, then SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz
    if (head.size() < 24) damaged(name, "JPEG 2000", "its size marker (SIZ) is cut short");
    const int64_t x = bigEndian32(head.data() + 8), y = bigEndian32(head.data() + 12);
    const int64_t x0 = bigEndian32(head.data() + 16), y0 = bigEndian32(head.data() + 20);
    if (x0 > x || y0 > y) damaged(name, "JPEG 2000", "its image offset lies outside its image");
    return {x - x0, y - y0};
  }
  uint64_t at = 0, end = source.size();
  while (at + 8 <= end) {
    const auto box = source.bytes(at, 16);
    uint64_t length = bigEndian32(box.data());
    const std::string type(reinterpret_cast<const char*>(box.data() + 4), 4);
    uint64_t header = 8;
    if (length == 1 && box.size() == 16) {
      length = uint64_t(bigEndian32(box.data() + 8)) << 32 | bigEndian32(box.data() + 12);
      header = 16;
    } else if (length == 0) {
      length = end - at;
    }
    if (length < header || at + length > end) damaged(name, "JPEG 2000", "its box '" + type + "' overruns the file");
    if (type == "jp2h") { // a superbox: walk inside it
      end = at + length;
      at += header;
      continue;
    }
    if (type == "ihdr") {
      const auto ihdr = source.bytes(at + header, 8);
      if (ihdr.size() < 8) damaged(name, "JPEG 2000", "its image header box is cut short");
      return {bigEndian32(ihdr.data() + 4), bigEndian32(ihdr.data())};
    }
    at += length;
  }
  damaged(name, "JPEG 2000", "it has no image header box (ihdr)");
}

ImageHeader readHeader(ByteSource& source, const std::string& name) {
  ImageHeader header;
  header.format = formatOf(source.bytes(0, 16));
  if (header.format.empty())
    throw std::invalid_argument(name + ": not an image ConvScope can open (it reads " + knownImageFormats() + ")");
  std::pair<int64_t, int64_t> size;
  const std::string& f = header.format;
  if (f == "PNG") size = pngSize(source, name);
  else if (f == "JPEG") size = jpegSize(source, name);
  else if (f == "BMP") size = bmpSize(source, name);
  else if (f == "TIFF") size = tiffSize(source, name);
  else if (f == "WebP") size = webpSize(source, name);
  else if (f == "PNM" || f == "PFM") size = netpbmSize(source, name, f);
  else if (f == "PAM") size = pamSize(source, name);
  else if (f == "Sun raster") size = sunRasterSize(source, name);
  else if (f == "Radiance HDR") size = radianceSize(source, name);
  else size = jpeg2000Size(source, name);
  header.width = size.first;
  header.height = size.second;
  if (header.width <= 0 || header.height <= 0)
    damaged(name, f, "it declares " + std::to_string(header.width) + "×" + std::to_string(header.height) + " pixels");
  // Each side is below 2³², so the product fits in 64 unsigned bits.
  const uint64_t pixels = uint64_t(header.width) * uint64_t(header.height);
  if (pixels > uint64_t(kMaxImagePixels)) {
    const std::string count = pixels > uint64_t(INT64_MAX) ? std::to_string(pixels) : withCommas(int64_t(pixels));
    throw std::invalid_argument(name + ": the " + f + " image declares " + std::to_string(header.width) + "×" +
                                std::to_string(header.height) + " = " + count + " pixels; ConvScope opens images up to " +
                                withCommas(kMaxImagePixels) + " pixels (64 megapixels)");
  }
  return header;
}

} // namespace

std::string knownImageFormats() {
  return "PNG, JPEG, BMP, TIFF, WebP, PBM/PGM/PPM, PAM, PFM, Sun raster, Radiance HDR and JPEG 2000";
}

std::string imageFormatOf(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::vector<uint8_t> head(16);
  file.read(reinterpret_cast<char*>(head.data()), std::streamsize(head.size()));
  head.resize(size_t(file.gcount()));
  return formatOf(head);
}

ImageHeader readImageHeader(const std::string& path) {
  FileSource source(path);
  return readHeader(source, path);
}

ImageHeader readImageHeader(std::span<const uint8_t> bytes, const std::string& name) {
  MemorySource source(bytes);
  return readHeader(source, name);
}

} // namespace convscope
