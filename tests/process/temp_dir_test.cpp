// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <flow/error.hpp>
#include <flow/process/temp_dir.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using flow::process::TempDir;

mode_t mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

std::string contents_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Sets TMPDIR for the scope of a test.
class ScopedTmpdir {
 public:
  explicit ScopedTmpdir(const std::string& value) {
    if (const char* old = std::getenv("TMPDIR")) {
      old_ = old;
    }
    ::setenv("TMPDIR", value.c_str(), 1);
  }
  ScopedTmpdir(const ScopedTmpdir&) = delete;
  ScopedTmpdir& operator=(const ScopedTmpdir&) = delete;
  ScopedTmpdir(ScopedTmpdir&&) = delete;
  ScopedTmpdir& operator=(ScopedTmpdir&&) = delete;
  ~ScopedTmpdir() {
    if (old_.empty()) {
      ::unsetenv("TMPDIR");
    } else {
      ::setenv("TMPDIR", old_.c_str(), 1);
    }
  }

 private:
  std::string old_;
};

/// Sets the umask for the scope of a test.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;
  ScopedUmask(ScopedUmask&&) = delete;
  ScopedUmask& operator=(ScopedUmask&&) = delete;
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(TempDir, IsPrivateAndFilesAreOwnerOnlyWhateverTheUmask) {
  const ScopedUmask permissive(0);
  TempDir dir("flow-temp-test");
  EXPECT_EQ(mode_of(dir.path()), 0700U);
  const std::string path = dir.write_file("config.json", R"({"secret":"x"})");
  EXPECT_EQ(path, dir.path() + "/config.json");
  EXPECT_EQ(mode_of(path), 0600U);
  EXPECT_EQ(contents_of(path), R"({"secret":"x"})");
}

TEST(TempDir, IsCreatedUnderTmpdirWithThePrefix) {
  TempDir parent("flow-temp-test");
  const ScopedTmpdir tmpdir(parent.path() + "/");
  TempDir dir("flow-airbyte");
  const std::string expected_start = parent.path() + "/flow-airbyte-";
  EXPECT_EQ(dir.path().substr(0, expected_start.size()), expected_start);
  EXPECT_EQ(dir.path().size(), expected_start.size() + 6);
}

TEST(TempDir, WriteFileReplacesContentsAndKeepsTheMode) {
  TempDir dir("flow-temp-test");
  const std::string path = dir.write_file("state.json", "a much longer first version");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(dir.write_file("state.json", "v2"), path);
  EXPECT_EQ(contents_of(path), "v2");
  EXPECT_EQ(mode_of(path), 0600U);
  EXPECT_EQ(dir.write_file("empty.json", ""), dir.path() + "/empty.json");
  EXPECT_EQ(contents_of(dir.path() + "/empty.json"), "");
}

TEST(TempDir, WriteFileReplacesASymlinkInsteadOfWritingThroughIt) {
  TempDir outside("flow-temp-test");
  const std::string target = outside.write_file("target", "untouched");
  TempDir dir("flow-temp-test");
  const std::string link = dir.path() + "/catalog.json";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  dir.write_file("catalog.json", "new");
  EXPECT_EQ(contents_of(target), "untouched");
  EXPECT_EQ(contents_of(link), "new");
}

TEST(TempDir, RejectsNamesThatAreNotPlainFileNames) {
  TempDir dir("flow-temp-test");
  for (const char* name : {"", ".", "..", "a/b", "../escape", "/etc/passwd"}) {
    EXPECT_THROW(dir.write_file(name, "x"), flow::Error) << name;
  }
  EXPECT_THROW(TempDir("a/b"), flow::Error);
  EXPECT_THROW(TempDir(""), flow::Error);
}

TEST(TempDir, DestructorRemovesEverything) {
  std::string path;
  std::string file;
  {
    TempDir dir("flow-temp-test");
    path = dir.path();
    file = dir.write_file("config.json", "{}");
    ASSERT_EQ(::mkdir((path + "/nested").c_str(), 0700), 0);
    ASSERT_TRUE(exists(file));
  }
  EXPECT_FALSE(exists(file));
  EXPECT_FALSE(exists(path));
}

TEST(TempDir, RemoveIsIdempotentAndLaterWritesFail) {
  TempDir dir("flow-temp-test");
  const std::string path = dir.path();
  dir.write_file("a", "1");
  dir.remove();
  EXPECT_FALSE(exists(path));
  EXPECT_TRUE(dir.path().empty());
  dir.remove();
  EXPECT_THROW(dir.write_file("a", "1"), flow::Error);
}

TEST(TempDir, UnusableTmpdirIsAClearError) {
  const ScopedTmpdir tmpdir("/nonexistent/flow-temp");
  try {
    TempDir dir("flow-temp-test");
    FAIL() << "created " << dir.path();
  } catch (const flow::Error& error) {
    EXPECT_STREQ(error.what(),
                 "cannot create a temporary directory in /nonexistent/flow-temp: No such file or "
                 "directory");
  }
}

}  // namespace
