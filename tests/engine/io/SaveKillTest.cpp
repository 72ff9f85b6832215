// Saves that survive a kill: a child process saves a model over and over, alternating two
// versions, and is killed with SIGKILL at a random moment, many times. Every time, the file
// must be one of the two versions, whole (saveModel writes a temporary file, syncs it and
// renames it over the old one). Issue 14's data-safety check for model files.
#include "engine/io/ModelFile.h"
#include "engine/training/Optimizer.h"
#include "engine/network/Presets.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace convscope;

namespace {
std::string readAll(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}
} // namespace

TEST(SaveKill, ASaveKilledAtAnyMomentLeavesTheFileWhole) {
  namespace fs = std::filesystem;
  // On the disk the tests run from (not a RAM disk: the sync must really wait).
  const fs::path dir = fs::current_path() / ("save-kill-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path path = dir / "model.json";
  Network versions[2] = {makePreset("mini-vgg"), makePreset("mini-vgg")}; // 117,434 weights: ~0.6 MB of text
  initialize(versions[0], InitScheme::Auto, 1);
  initialize(versions[1], InitScheme::Auto, 2);
  const ModelInfo info;
  const std::string texts[2] = {serializeModel(versions[0], info), serializeModel(versions[1], info)};
  ASSERT_NE(texts[0], texts[1]);
  saveModel(path.string(), versions[0], info);

  // How long one save takes here, so the kills land all over it.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) saveModel(path.string(), versions[i % 2], info);
  const auto saveMicros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count() / 5;

  std::mt19937 random(7);
  int seen[2] = {0, 0}, leftovers = 0;
  const int rounds = 60;
  for (int round = 0; round < rounds; ++round) {
    int started[2];
    ASSERT_EQ(::pipe(started), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) { // says it runs, then saves forever, alternating, until killed
      const char ready = 1;
      if (::write(started[1], &ready, 1) != 1) ::_exit(3);
      for (int i = round;; ++i) saveModel(path.string(), versions[i % 2], info);
    }
    // The delay counts from the child's first save, not from the fork: on a busy machine (the
    // suite runs two tests at a time) a child can take longer to start than a save takes.
    char ready = 0;
    ASSERT_EQ(::read(started[0], &ready, 1), 1);
    ::close(started[0]), ::close(started[1]);
    std::uniform_int_distribution<long> delay(0, 3 * saveMicros);
    ::usleep(static_cast<useconds_t>(delay(random)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "round " << round;
    const std::string now = readAll(path);
    const bool whole = now == texts[0] || now == texts[1];
    ASSERT_TRUE(whole) << "round " << round << ": the file is " << now.size() << " bytes, neither version";
    ++seen[now == texts[1] ? 1 : 0];
    EXPECT_NO_THROW(parseModel(now, path.string()));
    for (const auto& entry : fs::directory_iterator(dir)) // a kill between create and rename leaves its temp file
      if (entry.path().filename() != "model.json") ++leftovers, fs::remove(entry.path());
  }
  // The kills fell at different moments: the file was found in both versions.
  EXPECT_GT(seen[0], 0);
  EXPECT_GT(seen[1], 0);
  RecordProperty("killed_while_writing", leftovers);
  std::printf("%d kills, %d of them between the temporary file's creation and its rename; one save takes %ld us\n",
              rounds, leftovers, static_cast<long>(saveMicros));
  fs::remove_all(dir);
}
