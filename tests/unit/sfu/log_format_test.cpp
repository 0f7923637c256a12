#include "sfu/common/log_format.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sfu::log {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kTs = 1764064800123;  // 2025-11-25T10:00:00.123Z

TEST(LogFormat, Timestamp) {
  EXPECT_EQ(formatTimestamp(kTs), "2025-11-25T10:00:00.123Z");
  EXPECT_EQ(formatTimestamp(0), "1970-01-01T00:00:00.000Z");
}

TEST(LogFormat, ParsePayload) {
  struct Case {
    const char* name;
    std::string payload;
    std::string comp;
    std::string msg;
    Fields fields;
  };
  const Case cases[] = {
      {"plain",
       "comp=ice nominated session=ab12 remote=1.2.3.4:5",
       "ice",
       "nominated",
       {{"session", "ab12"}, {"remote", "1.2.3.4:5"}}},
      {"multi-word message",
       "comp=main signal received signal=15",
       "main",
       "signal received",
       {{"signal", "15"}}},
      {"no fields", "comp=main stopped", "main", "stopped", {}},
      {"no comp", "hello world", "", "hello world", {}},
      {"fields only", "comp=http a=1 b=2", "http", "", {{"a", "1"}, {"b", "2"}}},
      {"quoted value",
       R"(comp=main startup failed error="bad \"key\" file" code=2)",
       "main",
       "startup failed",
       {{"error", R"(bad "key" file)"}, {"code", "2"}}},
      {"unquoted value with spaces",
       "comp=calls store failed error=disk is full call=c1",
       "calls",
       "store failed",
       {{"error", "disk is full"}, {"call", "c1"}}},
      {"value with equals",
       "comp=turn url url=turn:h?transport=udp",
       "turn",
       "url",
       {{"url", "turn:h?transport=udp"}}},
      {"newline in value", "comp=x m error=line1\nline2", "x", "m", {{"error", "line1\nline2"}}},
      {"reserved key", "comp=x m msg=y level=z", "x", "m", {{"msg_", "y"}, {"level_", "z"}}},
      {"broken quote", R"(comp=x m error="a"b c=1)", "x", "m", {{"error", R"("a"b)"}, {"c", "1"}}},
      {"empty value", "comp=x m a= b=1", "x", "m", {{"a", ""}, {"b", "1"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto rec = parsePayload(c.payload);
    EXPECT_EQ(rec.comp, c.comp);
    EXPECT_EQ(rec.msg, c.msg);
    EXPECT_EQ(rec.fields, c.fields);
  }
}

TEST(LogFormat, LogfmtLine) {
  EXPECT_EQ(formatLogfmtLine(kTs, "info", "comp=ice nominated session=ab12"),
            "ts=2025-11-25T10:00:00.123Z level=info comp=ice msg=nominated session=ab12");
  EXPECT_EQ(formatLogfmtLine(kTs, "warn", R"(comp=main signal received error=a "b"
c)"),
            R"(ts=2025-11-25T10:00:00.123Z level=warn comp=main msg="signal received" )"
            R"(error="a \"b\"\nc")");
  EXPECT_EQ(formatLogfmtLine(kTs, "info", "comp=x m a="),
            R"(ts=2025-11-25T10:00:00.123Z level=info comp=x msg=m a="")");
}

TEST(LogFormat, JsonLineIsValidJson) {
  const std::string payloads[] = {
      "comp=ice nominated session=ab12 remote=1.2.3.4:5",
      R"(comp=main startup failed error="say \"hi\"")",
      "comp=x quote\" in msg a=\"unterminated",
      "comp=x control\x01\x1f chars a=\t\n",
      "comp=x bad utf8 \xff\xfe a=\xc3\x28 b=caf\xc3\xa9",
      "comp=x backslash \\ a=C:\\dir",
      "",
  };
  for (const auto& p : payloads) {
    SCOPED_TRACE(p);
    std::string line = formatJsonLine(kTs, "error", p);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto j = nlohmann::json::parse(line);  // throws on invalid JSON or UTF-8
    EXPECT_EQ(j["ts"], "2025-11-25T10:00:00.123Z");
    EXPECT_EQ(j["level"], "error");
    EXPECT_TRUE(j["msg"].is_string());
  }
  auto j = nlohmann::json::parse(
      formatJsonLine(kTs, "info", R"(comp=main startup failed error="say \"hi\"" code=2)"));
  EXPECT_EQ(j, nlohmann::json::parse(R"({"ts":"2025-11-25T10:00:00.123Z","level":"info",
      "comp":"main","msg":"startup failed","error":"say \"hi\"","code":"2"})"));
  EXPECT_EQ(nlohmann::json::parse(formatJsonLine(kTs, "info", "comp=x m b=caf\xc3\xa9"))["b"],
            "caf\xc3\xa9");
}

TEST(LogFormat, JsonString) {
  EXPECT_EQ(jsonString("a\"b\\c\n"), R"("a\"b\\c\n")");
  EXPECT_EQ(jsonString("\x01"), R"("\u0001")");
  EXPECT_EQ(jsonString("\xff"), R"("\ufffd")");
  EXPECT_EQ(jsonString("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(jsonString("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
}

}  // namespace
}  // namespace sfu::log
