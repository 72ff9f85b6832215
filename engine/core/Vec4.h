// Four floats as one value, for the few memory-bound passes over maps that the compiler
// does not vectorize on its own: GCC's vector extensions, one SSE register on any x86-64
// (NEON on ARM). Loops with std::min and std::max stay scalar (the compiler keeps their NaN
// rules), and eight-float vectors without AVX go through the stack.
// Not for: convolutions and other layers (oneDNN's kernels do those).
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace convscope::vec4 {

typedef float V4 __attribute__((vector_size(16)));
typedef int32_t I4 __attribute__((vector_size(16)));

inline V4 load(const float* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, V4 v) { std::memcpy(p, &v, sizeof v); }
// A store that bypasses the cache (no read of the line first) where the CPU has one and p
// is 16-byte aligned; for large outputs nothing reads again soon. streamFence() after them.
inline void stream(float* p, V4 v) {
#if defined(__SSE__)
  if ((reinterpret_cast<uintptr_t>(p) & 15) == 0) return _mm_stream_ps(p, reinterpret_cast<__m128>(v));
#endif
  store(p, v);
}
inline void streamFence() {
#if defined(__SSE__)
  _mm_sfence();
#endif
}
inline V4 splat(float x) { return V4{x, x, x, x}; }
inline V4 min(V4 a, V4 b) { return b < a ? b : a; }
inline V4 max(V4 a, V4 b) { return b > a ? b : a; }
// Lanes (A, B, C, D) of a and b together (0-3 from a, 4-7 from b): GCC's and Clang's
// spellings of the same shuffle.
template <int A, int B, int C, int D, class T> inline T shuffle(T a, T b) {
#if defined(__clang__)
  return __builtin_shufflevector(a, b, A, B, C, D);
#else
  return __builtin_shuffle(a, b, I4{A, B, C, D});
#endif
}
// Truncation toward zero, as static_cast<int> does for each lane.
inline I4 truncate(V4 v) { return __builtin_convertvector(v, I4); }

} // namespace convscope::vec4
