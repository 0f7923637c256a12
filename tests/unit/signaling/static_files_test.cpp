#include "signaling/http/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace signaling::http {
namespace {

struct Case {
  std::string name;
  std::string raw;
  std::optional<std::string> want;
};

TEST(StaticPath, NormaliseTable) {
  const std::vector<Case> cases = {
      {"root", "/", "index.html"},
      {"file", "/app.js", "app.js"},
      {"nested", "/js/app.js", "js/app.js"},
      {"dir slash", "/docs/", "docs/index.html"},
      {"dot segment", "/./a/./b.css", "a/b.css"},
      {"encoded space", "/my%20file.txt", "my file.txt"},
      {"dotdot", "/../etc/passwd", std::nullopt},
      {"inner dotdot", "/a/../../b", std::nullopt},
      {"encoded dotdot", "/%2e%2e/%2e%2e/etc/passwd", std::nullopt},
      {"encoded slash dotdot", "/a%2f..%2f..%2fb", std::nullopt},
      {"backslash", "/a\\..\\b", std::nullopt},
      {"encoded backslash", "/a%5c..%5cb", std::nullopt},
      {"hidden", "/.git/config", std::nullopt},
      {"hidden env", "/.env", std::nullopt},
      {"nul", "/a%00.html", std::nullopt},
      {"bad escape", "/a%zz", std::nullopt},
      {"double slash", "//etc/passwd", std::nullopt},
      {"inner double slash", "/a//b", std::nullopt},
      {"relative", "a.js", std::nullopt},
      {"empty", "", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(normalizeStaticPath(c.raw), c.want);
  }
}

TEST(StaticPath, ContentTypes) {
  EXPECT_EQ(contentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(contentTypeFor("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(contentTypeFor("a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(contentTypeFor("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(contentTypeFor("a.min.js.map"), "application/json");
  EXPECT_EQ(contentTypeFor("a.svg"), "image/svg+xml");
  EXPECT_EQ(contentTypeFor("a.wasm"), "application/wasm");
  EXPECT_EQ(contentTypeFor("noext"), "application/octet-stream");
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("sfu-static-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "web" / "sub");
    write(root_ / "web" / "index.html", "<h1>hi</h1>");
    write(root_ / "web" / "sub" / "index.html", "sub");
    write(root_ / "web" / "app.js", "console.log(1)");
    write(root_ / "secret.txt", "secret");
    std::filesystem::create_symlink(root_ / "secret.txt", root_ / "web" / "leak.txt");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  static void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p) << text;
  }
  std::filesystem::path root_;
};

TEST_F(StaticFilesTest, ServesFilesAndIndexes) {
  StaticFiles files(root_ / "web");
  auto index = files.serve("/", 11);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body(), "<h1>hi</h1>");
  EXPECT_EQ((*index)[bhttp::field::content_type], "text/html; charset=utf-8");
  auto js = files.serve("/app.js", 11);
  ASSERT_TRUE(js);
  EXPECT_EQ((*js)[bhttp::field::content_type], "text/javascript; charset=utf-8");
  auto sub = files.serve("/sub", 11);  // directory without slash → its index
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->body(), "sub");
  EXPECT_FALSE(files.serve("/missing.js", 11));
  EXPECT_FALSE(files.serve("/../secret.txt", 11));
  EXPECT_FALSE(files.serve("/leak.txt", 11));  // symlink out of the root
}

}  // namespace
}  // namespace signaling::http
