// The benchmarks' statistics (engine/core/Statistics.h): median and nearest-rank percentile.
#include "engine/core/Statistics.h"

#include <gtest/gtest.h>

using namespace convscope;

TEST(Statistics, MedianOfOddAndEvenCounts) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5); // the mean of the middle two
  EXPECT_EQ(median({7}), 7);
  EXPECT_THROW(median({}), std::invalid_argument);
}

TEST(Statistics, PercentileByNearestRank) {
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);
  EXPECT_EQ(percentile(hundred, 99), 99);
  EXPECT_EQ(percentile(hundred, 90), 90);
  EXPECT_EQ(percentile(hundred, 100), 100);
  EXPECT_EQ(percentile({5, 1, 9}, 50), 5); // rank ⌈1.5⌉ = 2
  EXPECT_EQ(percentile({5, 1, 9}, 1), 1);
  EXPECT_THROW(percentile({1}, 0), std::invalid_argument);
  EXPECT_THROW(percentile({}, 50), std::invalid_argument);
}
