// Table writers: CSV quoting, Markdown and LaTeX escaping, alignment, the summary's blocks
// and the confusion matrix's recall.
#include "engine/io/TextTable.h"
#include "engine/network/Presets.h"

#include <gtest/gtest.h>

using namespace convscope;

namespace {
TextTable small() {
  TextTable t;
  t.caption = "Results_1 & more";
  t.header = {"name", "value"};
  t.numeric = {false, true};
  t.rows = {{"a,b", "1"}, {"say \"hi\"", "22"}, {"x|y_z", "3.5%"}};
  t.notes = {"note: 100%"};
  return t;
}
} // namespace

TEST(TextTable, CsvQuotesCommasAndQuotes) {
  EXPECT_EQ(formatTable(small(), TableFormat::Csv),
            "name,value\r\n\"a,b\",1\r\n\"say \"\"hi\"\"\",22\r\nx|y_z,3.5%\r\n");
}

TEST(TextTable, MarkdownEscapesPipesAndAlignsNumbersRight) {
  const std::string md = formatTable(small(), TableFormat::Markdown);
  EXPECT_NE(md.find("| name | value |\n| --- | ---: |\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| x\\|y_z | 3.5% |"), std::string::npos) << md;
  EXPECT_NE(md.find("\nnote: 100%\n"), std::string::npos) << md;
}

TEST(TextTable, LatexUsesBooktabsAndEscapesSpecialCharacters) {
  const std::string tex = formatTable(small(), TableFormat::Latex);
  EXPECT_NE(tex.find("\\caption{Results\\_1 \\& more}"), std::string::npos) << tex;
  EXPECT_NE(tex.find("\\begin{tabular}{lr}\n    \\toprule\n    name & value \\\\\n    \\midrule\n"), std::string::npos)
      << tex;
  EXPECT_NE(tex.find("x|y\\_z & 3.5\\% \\\\"), std::string::npos) << tex;
  EXPECT_NE(tex.find("\\bottomrule"), std::string::npos);
  TextTable shapes;
  shapes.header = {"shape"};
  shapes.rows = {{"6\xC3\x97"
                  "28 \xE2\x88\x92"
                  "1 ~^\\"}};
  EXPECT_NE(formatTable(shapes, TableFormat::Latex)
                .find("6$\\times$28 $-$1 \\textasciitilde{}\\textasciicircum{}\\textbackslash{}"),
            std::string::npos);
}

TEST(TextTable, TextPadsByCharactersNotBytes) {
  TextTable t;
  t.header = {"k", "n"};
  t.numeric = {false, true};
  t.rows = {{"5\xC3\x97"
             "5",
             "1"},
            {"abcd", "100"}}; // "5×5" is 3 characters, 4 bytes
  EXPECT_EQ(formatTable(t, TableFormat::Text), "k       n\n---------\n5×5     1\nabcd  100\n");
}

TEST(TextTable, ARowOfTheWrongLengthAndAnUnknownFormatAreNamed) {
  TextTable t;
  t.header = {"a", "b"};
  t.rows = {{"1"}};
  try {
    formatTable(t, TableFormat::Csv);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "table row 1 has 1 cells, the header 2");
  }
  EXPECT_THROW(tableFormatFromName("html"), std::invalid_argument);
  EXPECT_EQ(tableFormatFromName("md"), TableFormat::Markdown);
  EXPECT_EQ(tableFormatFromPath("/x/Table.TEX"), TableFormat::Latex);
  EXPECT_EQ(tableFormatFromPath("/x/t.csv"), TableFormat::Csv);
}

TEST(TextTable, SummaryGroupsBlocksAndSumsThem) {
  const TextTable t = networkSummaryTable(makePreset("lenet5"), 1);
  ASSERT_EQ(t.rows.size(), 13u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"conv1", "Conv2D", "6x28x28", "156", "117,600", "28.2"}));
  EXPECT_EQ(t.notes[1], "parameters: 61,706 (247 kB as float32)");
  const TextTable vgg = networkSummaryTable(makePreset("vgg16"), 2);
  EXPECT_EQ(vgg.rows[0][0], "features.block1 (5 layers)");
  EXPECT_EQ(vgg.rows[0][1], "");       // a block has no single type
  EXPECT_EQ(vgg.rows[0][3], "38,720"); // 2 convolutions: 3·64·9+64 + 64·64·9+64
}

TEST(TextTable, ConfusionRowsAreTrueClassesWithTheirRecall) {
  // 2 classes: truth 0 predicted 0 three times and 1 once; truth 1 predicted 1 twice.
  const TextTable t = confusionTable({3, 1, 0, 2}, {"cat", "dog"});
  EXPECT_EQ(t.header, (std::vector<std::string>{"true \\ predicted", "cat", "dog", "recall %"}));
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"cat", "3", "1", "75.0"}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"dog", "0", "2", "100.0"}));
  EXPECT_EQ(t.notes[0], "6 test images, 5 right: accuracy 83.33 %");
  EXPECT_THROW(confusionTable({1, 2, 3}, {"a", "b"}), std::invalid_argument);
}
