// The matrix text format: separators, channels, comments, and errors with line numbers.
#include "TestUtils.h"

#include "engine/io/MatrixText.h"

#include <gtest/gtest.h>

using namespace convscope;
using convscope::test::tensor;
using convscope::test::tensorsClose;

namespace {
std::string errorOf(const std::string& text) {
  try {
    parseMatrixText(text, "m.txt");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}
} // namespace

TEST(MatrixText, SpacesTabsCommasAndComments) {
  const Tensor t = parseMatrixText("# a kernel\n1, 2\t3\n  -4 5.5 −6  # typographic minus\n");
  EXPECT_TRUE(tensorsClose(t, tensor({1, 2, 3}, {1, 2, 3, -4, 5.5f, -6})));
}

TEST(MatrixText, FractionsAsTheSlidesWriteNormalizedKernels) {
  const Tensor t = parseMatrixText("1/9 -1/9 +2/16\n−3/4 0.5/2 4\n");
  EXPECT_EQ(t.values(), (std::vector<float>{1.0f / 9, -1.0f / 9, 2.0f / 16, -3.0f / 4, 0.25f, 4}));
  EXPECT_EQ(errorOf("1 1/0\n"), "m.txt line 1: '1/0' is not a number nor a fraction like 1/9");
  EXPECT_EQ(errorOf("1/x 2\n"), "m.txt line 1: '1/x' is not a number nor a fraction like 1/9");
  EXPECT_EQ(errorOf("1 2/\n"), "m.txt line 1: '2/' is not a number nor a fraction like 1/9");
}

TEST(MatrixText, BlankLinesSeparateChannelsCommentsDoNot) {
  const Tensor t = parseMatrixText("1 2\n3 4\n\n\n# green\n5 6\n7 8\n\n9 10\n11 12\n\n");
  EXPECT_EQ(t.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(t.data()[4], 5.0f);
  EXPECT_EQ(t.data()[11], 12.0f);
  const Tensor u = parseMatrixText("1 2\n# comment between rows\n3 4\n");
  EXPECT_EQ(u.shape(), (Shape{1, 2, 2}));
}

TEST(MatrixText, RoundTrip) {
  const Tensor t = tensor({2, 2, 3}, {1, -2, 0.125f, 3e-5f, 7, 8, 9, 10, 11, 12, -13, 1.0f / 3});
  EXPECT_TRUE(tensorsClose(parseMatrixText(formatMatrixText(t)), t, 0, 0));
}

TEST(MatrixText, ErrorsNameTheLineAndTheProblem) {
  EXPECT_EQ(errorOf("1 2 3\n4 x 6\n"), "m.txt line 2: 'x' is not a number");
  EXPECT_EQ(errorOf("1 2 3\n4 5\n"), "m.txt line 2: row has 2 numbers, the rows above have 3");
  EXPECT_EQ(errorOf("1 2\n3 4\n\n1 2 3\n4 5 6\n"), "m.txt line 4: channel 2 is 2x3 but channel 1 is 2x2");
  EXPECT_EQ(errorOf("# only a comment\n\n"), "m.txt: contains no numbers");
  EXPECT_EQ(errorOf("1 nan\n"), "m.txt line 1: 'nan' is not a number");
  EXPECT_THROW(loadMatrixFile("/no/such/file.txt"), std::invalid_argument);
}

// Infinity, numbers beyond float, a fraction that overflows, nothing at all, and a matrix
// past the limit: each refused naming the line.
TEST(MatrixText, NonFiniteEmptyAndHugeInputsAreRefused) {
  EXPECT_EQ(errorOf("1 inf\n"), "m.txt line 1: 'inf' is not a number");
  EXPECT_EQ(errorOf("-infinity 2\n"), "m.txt line 1: '-infinity' is not a number");
  EXPECT_EQ(errorOf("1e39\n"), "m.txt line 1: '1e39' is not a number"); // beyond float
  EXPECT_EQ(errorOf("3e38/1e-10\n"), "m.txt line 1: '3e38/1e-10' is not finite");
  EXPECT_EQ(errorOf(""), "m.txt: contains no numbers");
  // One row more than the limit allows, in rows of 8192.
  std::string row;
  for (int i = 0; i < 8192; ++i) row += "1 ";
  row += "\n";
  std::string text;
  text.reserve(row.size() * 8193);
  for (int64_t r = 0; r <= kMaxMatrixValues / 8192; ++r) text += row;
  const std::string error = errorOf(text); // (134 MB of text: read once)
  EXPECT_EQ(error.rfind("m.txt line 8193: ", 0), 0u) << error.substr(0, 80);
  EXPECT_NE(error.find("more than 67108864 numbers"), std::string::npos) << error.substr(0, 80);
}
