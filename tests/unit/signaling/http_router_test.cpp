#include "signaling/http/router.h"

#include <gtest/gtest.h>

namespace signaling::http {
namespace {

using bhttp::verb;

Handler tagged(std::string tag) {
  return [tag](const RouteContext& ctx) {
    return textResponse(bhttp::status::ok, tag, "text/plain", ctx.request.version());
  };
}

std::string run(const Router::Match& m) {
  Request req{verb::get, "/", 11};
  RouteContext ctx{req, m.params, "", "", ""};
  return (*m.handler)(ctx).body();
}

Router callRoutes() {
  Router r;
  r.add(verb::post, "/api/webrtc/call/initiate", tagged("initiate"));
  r.add(verb::post, "/api/webrtc/call/{id}/answer", tagged("answer"));
  r.add(verb::post, "/api/webrtc/call/{id}/end", tagged("end"));
  r.add(verb::get, "/api/webrtc/call/{id}", tagged("get"));
  r.add(verb::get, "/api/webrtc/calls/active", tagged("active"));
  r.add(verb::get, "/api/webrtc/calls/history", tagged("history"));
  r.add(verb::post, "/api/webrtc/call/{id}/quality", tagged("quality"));
  return r;
}

struct Case {
  std::string name;
  verb method;
  std::string path;
  Router::Outcome outcome;
  std::string tag;    // handler that must run (kFound)
  std::string id;     // the {id} parameter
  std::string allow;  // kMethodNotAllowed
};

TEST(HttpRouter, MatchTable) {
  using O = Router::Outcome;
  const Router r = callRoutes();
  const std::vector<Case> cases = {
      {"initiate literal wins", verb::post, "/api/webrtc/call/initiate", O::kFound, "initiate", "",
       ""},
      {"answer", verb::post, "/api/webrtc/call/call_1699/answer", O::kFound, "answer", "call_1699",
       ""},
      {"end", verb::post, "/api/webrtc/call/c1/end", O::kFound, "end", "c1", ""},
      {"get", verb::get, "/api/webrtc/call/c1", O::kFound, "get", "c1", ""},
      {"head as get", verb::head, "/api/webrtc/call/c1", O::kFound, "get", "c1", ""},
      {"get named initiate", verb::get, "/api/webrtc/call/initiate", O::kFound, "get", "initiate",
       ""},
      {"active", verb::get, "/api/webrtc/calls/active", O::kFound, "active", "", ""},
      {"history", verb::get, "/api/webrtc/calls/history", O::kFound, "history", "", ""},
      {"quality", verb::post, "/api/webrtc/call/x/quality", O::kFound, "quality", "x", ""},
      {"trailing slash", verb::get, "/api/webrtc/calls/active/", O::kFound, "active", "", ""},
      {"encoded id", verb::get, "/api/webrtc/call/a%2Fb", O::kFound, "get", "a/b", ""},
      {"post on get route", verb::post, "/api/webrtc/call/c1", O::kMethodNotAllowed, "", "",
       "GET, HEAD"},
      {"delete initiate", verb::delete_, "/api/webrtc/call/initiate", O::kMethodNotAllowed, "", "",
       "GET, HEAD, POST"},
      {"get on answer", verb::get, "/api/webrtc/call/c1/answer", O::kMethodNotAllowed, "", "",
       "POST"},
      {"unknown", verb::get, "/api/webrtc/nope", O::kNotFound, "", "", ""},
      {"too deep", verb::post, "/api/webrtc/call/c1/answer/x", O::kNotFound, "", "", ""},
      {"double slash", verb::get, "/api/webrtc//calls/active", O::kNotFound, "", "", ""},
      {"bad escape", verb::get, "/api/webrtc/call/%zz", O::kNotFound, "", "", ""},
      {"nul escape", verb::get, "/api/webrtc/call/%00", O::kNotFound, "", "", ""},
      {"relative", verb::get, "api/webrtc/calls/active", O::kNotFound, "", "", ""},
      {"case sensitive", verb::get, "/API/webrtc/calls/active", O::kNotFound, "", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto m = r.match(c.method, c.path);
    ASSERT_EQ(m.outcome, c.outcome);
    if (c.outcome == O::kFound) {
      EXPECT_EQ(run(m), c.tag);
      if (!c.id.empty()) {
        ASSERT_EQ(m.params.size(), 1u);
        EXPECT_EQ(m.params[0].first, "id");
        EXPECT_EQ(m.params[0].second, c.id);
      }
    }
    if (c.outcome == O::kMethodNotAllowed) {
      EXPECT_EQ(m.allow, c.allow);
    }
  }
}

TEST(HttpRouter, PatternIsTheLabel) {
  const Router r = callRoutes();
  EXPECT_EQ(r.match(verb::post, "/api/webrtc/call/abc/answer").pattern,
            "/api/webrtc/call/{id}/answer");
}

TEST(HttpRouter, BadPatternsThrow) {
  Router r;
  EXPECT_THROW(r.add(verb::get, "relative", tagged("x")), std::invalid_argument);
  EXPECT_THROW(r.add(verb::get, "/a/{}", tagged("x")), std::invalid_argument);
  EXPECT_THROW(r.add(verb::get, "/a//b", tagged("x")), std::invalid_argument);
}

TEST(HttpRouter, MultipleParams) {
  Router r;
  r.add(verb::post, "/whip/{room}/{session}", tagged("whip"));
  auto m = r.match(verb::post, "/whip/r1/s2");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"room", "r1"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"session", "s2"}));
}

TEST(HttpHelpers, BearerAndQuery) {
  EXPECT_EQ(parseBearer("Bearer abc"), "abc");
  EXPECT_EQ(parseBearer("bearer   abc  "), "abc");
  EXPECT_EQ(parseBearer("Basic abc"), std::nullopt);
  EXPECT_EQ(parseBearer("Bearer"), std::nullopt);
  EXPECT_EQ(parseBearer("Bearer "), std::nullopt);
  EXPECT_EQ(parseBearer("Bearerabc"), std::nullopt);

  EXPECT_EQ(findQueryParam("EIO=4&transport=polling&t=x", "transport"), "polling");
  EXPECT_EQ(findQueryParam("a=1&a=2", "a"), "1");
  EXPECT_EQ(findQueryParam("token=a%2Bb+c", "token"), "a+b c");
  EXPECT_EQ(findQueryParam("flag&x=1", "flag"), "");
  EXPECT_EQ(findQueryParam("x=1", "y"), std::nullopt);
  EXPECT_EQ(findQueryParam("", "y"), std::nullopt);

  EXPECT_EQ(percentDecode("a%20b"), "a b");
  EXPECT_EQ(percentDecode("a+b"), "a+b");
  EXPECT_EQ(percentDecode("%4"), std::nullopt);
  EXPECT_EQ(percentDecode("%"), std::nullopt);
  EXPECT_EQ(percentDecode("%00"), std::nullopt);
  EXPECT_EQ(percentDecode("%e2%82%ac"), "\xe2\x82\xac");
}

TEST(HttpHelpers, ErrorEnvelope) {
  auto res = errorResponse(ApiError(429, "rate_limited", "slow down").withRetryAfter(3));
  EXPECT_EQ(res.result_int(), 429u);
  EXPECT_EQ(res[bhttp::field::retry_after], "3");
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  auto body = nlohmann::json::parse(res.body());
  EXPECT_EQ(body,
            (nlohmann::json{{"success", false},
                            {"error", {{"code", "rate_limited"}, {"message", "slow down"}}}}));
  EXPECT_EQ(errorResponse(ApiError(200, "weird", "x")).result_int(), 500u);
}

}  // namespace
}  // namespace signaling::http
