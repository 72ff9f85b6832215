// Image files that declare more pixels than ConvScope opens (kMaxImagePixels = 64 Mi), for
// the engine's, the command line's and the window's tests. The TIFF is a real one: 20000
// rows of 20000 zeros, deflate-compressed, every strip pointing at the same compressed row
// (160 kB that OpenCV would decode into 400 MB). The others carry only their header: a
// decoder handed one would allocate the declared image before failing on the missing data.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace convscope::test {

namespace detail {
inline void put16(std::string& s, uint16_t v, bool big) {
  const char b[2] = {char(big ? v >> 8 : v & 0xFF), char(big ? v & 0xFF : v >> 8)};
  s.append(b, 2);
}
inline void put32(std::string& s, uint32_t v, bool big) {
  for (int i = 0; i < 4; ++i) s.push_back(char(big ? v >> (24 - 8 * i) : v >> (8 * i)));
}
} // namespace detail

// A gray 8-bit TIFF of side × side zeros, one deflate-compressed row per strip, in either
// byte order; `padding` bytes of zeros before the first directory (to place it far from the
// start).
inline std::string tiffOfZeros(uint32_t side, bool bigEndian = false, uint32_t padding = 0) {
  using detail::put16, detail::put32;
  std::vector<uint8_t> row(side, 0), packed(compressBound(side));
  uLongf packedSize = packed.size();
  if (compress2(packed.data(), &packedSize, row.data(), row.size(), 9) != Z_OK) throw std::runtime_error("zlib");
  const uint32_t entries = 9, ifd = 8 + padding, data = ifd + 2 + entries * 12 + 4;
  const uint32_t offsets = data + uint32_t(packedSize), counts = offsets + 4 * side;
  std::string s = bigEndian ? std::string("MM\0*", 4) : std::string("II*\0", 4);
  put32(s, ifd, bigEndian);
  s.append(padding, '\0');
  put16(s, uint16_t(entries), bigEndian);
  const auto entry = [&](uint16_t tag, uint16_t type, uint32_t count, uint32_t value) {
    put16(s, tag, bigEndian);
    put16(s, type, bigEndian);
    put32(s, count, bigEndian);
    if (type == 3 && count == 1) { // a SHORT sits in the first two bytes of the value field
      put16(s, uint16_t(value), bigEndian);
      put16(s, 0, bigEndian);
    } else {
      put32(s, value, bigEndian);
    }
  };
  entry(256, 4, 1, side);   // ImageWidth
  entry(257, 4, 1, side);   // ImageLength
  entry(258, 3, 1, 8);      // BitsPerSample
  entry(259, 3, 1, 8);      // Compression: deflate
  entry(262, 3, 1, 1);      // Photometric: black is zero
  entry(273, 4, side, offsets); // StripOffsets
  entry(277, 3, 1, 1);      // SamplesPerPixel
  entry(278, 4, 1, 1);      // RowsPerStrip
  entry(279, 4, side, counts); // StripByteCounts
  put32(s, 0, bigEndian);   // no next directory
  s.append(reinterpret_cast<const char*>(packed.data()), packedSize);
  for (uint32_t i = 0; i < side; ++i) put32(s, data, bigEndian);
  for (uint32_t i = 0; i < side; ++i) put32(s, uint32_t(packedSize), bigEndian);
  return s;
}

// A binary PGM's header declaring width × height, and a few bytes of pixels.
inline std::string pgmHeader(uint32_t width, uint32_t height) {
  return "P5\n# made by ConvScope's tests\n" + std::to_string(width) + " " + std::to_string(height) + "\n255\n" +
         std::string(16, '\x7f');
}

// A lossless WebP's RIFF and VP8L headers declaring width × height (sides up to 16384), and
// no image data.
inline std::string webpLosslessHeader(uint32_t width, uint32_t height) {
  std::string s = "RIFF";
  detail::put32(s, 4 + 8 + 5 + 8, false);
  s += "WEBPVP8L";
  detail::put32(s, 5 + 8, false);
  s.push_back('\x2f');                                            // the VP8L signature
  const uint32_t bits = (width - 1) | (height - 1) << 14 | 0u << 28; // 14 + 14 bits, no alpha, version 0
  detail::put32(s, bits, false);
  s.append(8, '\0');
  return s;
}

inline void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

} // namespace convscope::test
