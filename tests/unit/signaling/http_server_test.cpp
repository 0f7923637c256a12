// The real HttpServer in-process on an ephemeral port, driven by Beast clients.
#include <gtest/gtest.h>

#include "net_harness.h"

namespace signaling::testing {
namespace {

using bhttp::verb;
using nlohmann::json;

const std::vector<std::pair<std::string, std::string>> kAlice = {
    {"Authorization", "Bearer good-alice"}};

json bodyOf(const Res& res) { return json::parse(res.body(), nullptr, false); }

void expectEnvelope(const Res& res, unsigned status, const std::string& code) {
  EXPECT_EQ(res.result_int(), status);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  auto body = bodyOf(res);
  EXPECT_EQ(body["success"], false) << res.body();
  EXPECT_EQ(body["error"]["code"], code) << res.body();
  EXPECT_TRUE(body["error"]["message"].is_string()) << res.body();
}

TEST(HttpServer, HealthReadyAndMetrics) {
  NetHarness h;
  auto health = httpRequest(h.port(), verb::get, "/healthz");
  EXPECT_EQ(health.result_int(), 200u);
  EXPECT_EQ(bodyOf(health), (json{{"status", "ok"}}));

  EXPECT_EQ(httpRequest(h.port(), verb::get, "/readyz").result_int(), 200u);
  h.onIo([&] { h.server().setReadinessCheck([] { return false; }); });
  auto ready = httpRequest(h.port(), verb::get, "/readyz");
  EXPECT_EQ(ready.result_int(), 503u);
  EXPECT_EQ(bodyOf(ready)["status"], "not_ready");

  httpRequest(h.port(), verb::get, "/api/webrtc/call/some_call_id_123", "", kAlice);
  auto metrics = httpRequest(h.port(), verb::get, "/metrics");
  EXPECT_EQ(metrics.result_int(), 200u);
  EXPECT_EQ(metrics[bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = metrics.body();
  EXPECT_NE(text.find("sfu_http_requests_total{code=\"200\",route=\"/healthz\"}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("route=\"/api/webrtc/call/{id}\""), std::string::npos);
  EXPECT_NE(text.find("sfu_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_EQ(text.find("some_call_id_123"), std::string::npos);  // ids never become labels
}

TEST(HttpServer, RestEndpointsReachCallApi) {
  NetHarness h;
  auto init = httpRequest(h.port(), verb::post, "/api/webrtc/call/initiate",
                          R"({"type":"video","participants":["bob"]})", kAlice);
  EXPECT_EQ(init.result_int(), 201u);
  EXPECT_EQ(bodyOf(init)["call"]["caller_id"], "alice");
  EXPECT_EQ(bodyOf(init)["call"]["type"], "video");

  EXPECT_EQ(
      httpRequest(h.port(), verb::post, "/api/webrtc/call/c1/answer", R"({"answer":true})", kAlice)
          .result_int(),
      200u);
  EXPECT_EQ(httpRequest(h.port(), verb::post, "/api/webrtc/call/c1/end", "", kAlice).result_int(),
            200u);
  EXPECT_EQ(httpRequest(h.port(), verb::get, "/api/webrtc/call/c1", "", kAlice).result_int(), 200u);
  auto active = httpRequest(h.port(), verb::get, "/api/webrtc/calls/active", "", kAlice);
  EXPECT_EQ(bodyOf(active)["calls"], json::array());
  auto history =
      httpRequest(h.port(), verb::get, "/api/webrtc/calls/history?limit=5&offset=10", "", kAlice);
  EXPECT_EQ(bodyOf(history)["limit"], 5);
  EXPECT_EQ(bodyOf(history)["offset"], 10);
  auto defaults = httpRequest(h.port(), verb::get, "/api/webrtc/calls/history", "", kAlice);
  EXPECT_EQ(bodyOf(defaults)["limit"], 20);
  auto quality = httpRequest(h.port(), verb::post, "/api/webrtc/call/c1/quality",
                             R"({"video_quality":"good","issues":["audio_lag"]})", kAlice);
  EXPECT_EQ(quality.result_int(), 200u);
  EXPECT_EQ(bodyOf(quality)["report"]["issues"][0], "audio_lag");

  std::vector<std::string> seen;
  for (const auto& r : h.calls().records()) {
    seen.push_back(r.what + "/" + r.user + "/" + r.id);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"initiate/alice/", "answer/alice/c1", "end/alice/c1",
                                            "get/alice/c1", "active/alice/", "history/alice/",
                                            "history/alice/", "quality/alice/c1"}));
  EXPECT_EQ(h.calls().count("history"), 2u);
  EXPECT_EQ(h.calls().records()[1].data, (json{{"answer", true}}));
}

TEST(HttpServer, ErrorEnvelopes) {
  NetHarness h;
  // 401: no token, bad token, wrong scheme.
  expectEnvelope(httpRequest(h.port(), verb::get, "/api/webrtc/calls/active"), 401, "unauthorized");
  expectEnvelope(httpRequest(h.port(), verb::get, "/api/webrtc/calls/active", "",
                             {{"Authorization", "Bearer nope"}}),
                 401, "unauthorized");
  expectEnvelope(httpRequest(h.port(), verb::get, "/api/webrtc/calls/active", "",
                             {{"Authorization", "Basic good-alice"}}),
                 401, "unauthorized");
  // 400: malformed JSON, non-object JSON, bad query.
  expectEnvelope(
      httpRequest(h.port(), verb::post, "/api/webrtc/call/initiate", "{\"type\":", kAlice), 400,
      "invalid_json");
  expectEnvelope(httpRequest(h.port(), verb::post, "/api/webrtc/call/initiate", "[1,2]", kAlice),
                 400, "invalid_body");
  const std::string deep = "{\"a\":" + std::string(200000, '[') + std::string(200000, ']') + "}";
  expectEnvelope(httpRequest(h.port(), verb::post, "/api/webrtc/call/initiate", deep, kAlice), 400,
                 "invalid_json");
  expectEnvelope(
      httpRequest(h.port(), verb::get, "/api/webrtc/calls/history?limit=abc", "", kAlice), 400,
      "invalid_query");
  expectEnvelope(
      httpRequest(h.port(), verb::get, "/api/webrtc/calls/history?offset=-1", "", kAlice), 400,
      "invalid_query");
  // 401 comes before 400 (the token is checked first).
  expectEnvelope(httpRequest(h.port(), verb::post, "/api/webrtc/call/initiate", "{bad"), 401,
                 "unauthorized");
  // Errors thrown by the call logic keep their status.
  expectEnvelope(httpRequest(h.port(), verb::get, "/api/webrtc/call/missing", "", kAlice), 404,
                 "not_found");
  expectEnvelope(httpRequest(h.port(), verb::get, "/api/webrtc/call/forbidden", "", kAlice), 403,
                 "forbidden");
  auto busy = httpRequest(h.port(), verb::get, "/api/webrtc/call/busy", "", kAlice);
  expectEnvelope(busy, 429, "rate_limited");
  EXPECT_EQ(busy[bhttp::field::retry_after], "7");
  // 404 for unknown API paths, 405 with Allow for known paths.
  expectEnvelope(httpRequest(h.port(), verb::get, "/api/webrtc/nothing", "", kAlice), 404,
                 "not_found");
  auto wrong = httpRequest(h.port(), verb::get, "/api/webrtc/call/initiate/x", "", kAlice);
  expectEnvelope(wrong, 404, "not_found");
  auto method = httpRequest(h.port(), verb::put, "/api/webrtc/calls/active", "", kAlice);
  expectEnvelope(method, 405, "method_not_allowed");
  EXPECT_EQ(method[bhttp::field::allow], "GET, HEAD");
  auto method2 = httpRequest(h.port(), verb::get, "/api/webrtc/call/c1/answer", "", kAlice);
  expectEnvelope(method2, 405, "method_not_allowed");
  EXPECT_EQ(method2[bhttp::field::allow], "POST");
  EXPECT_EQ(h.calls().records().size(), 0u);
}

TEST(HttpServer, BodyLimit) {
  NetHarness h;
  // Declared too large: refused from the header alone, then the connection closes.
  HttpClient declared(h.port());
  declared.writeRaw(
      "POST /api/webrtc/call/initiate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good-a\r\n"
      "Content-Length: 2000000\r\n\r\n");
  auto res = declared.read();
  expectEnvelope(res, 413, "payload_too_large");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(declared.closedByPeer());

  // Chunked, growing past the limit while being read.
  HttpClient chunked(h.port());
  chunked.writeRaw(
      "POST /api/webrtc/call/initiate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk(64 * 1024, 'a');
  char size_line[32];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
  beast::error_code ec;
  for (int i = 0; i < 20 && !ec; ++i) {
    asio::write(chunked.socket(), asio::buffer(std::string(size_line) + chunk + "\r\n"), ec);
  }
  auto res2 = chunked.read();
  expectEnvelope(res2, 413, "payload_too_large");

  // Exactly at the limit is fine (the body is then malformed JSON: 400, not 413).
  std::string big(1u << 20, ' ');
  big[0] = '{';
  auto res3 = httpRequest(h.port(), verb::post, "/api/webrtc/call/initiate", big, kAlice);
  expectEnvelope(res3, 400, "invalid_json");
  EXPECT_EQ(httpRequest(h.port(), verb::get, "/healthz").result_int(), 200u);
}

TEST(HttpServer, KeepAliveAndClose) {
  NetHarness h;
  HttpClient client(h.port());
  for (int i = 0; i < 3; ++i) {
    auto res = client.request(verb::get, "/healthz");
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_TRUE(res.keep_alive());
  }
  auto res = client.request(verb::get, "/healthz", "", {{"Connection", "close"}});
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.closedByPeer());

  HttpClient old(h.port());
  auto res10 = old.request(verb::get, "/healthz", "", {}, 10);
  EXPECT_EQ(res10.result_int(), 200u);
  EXPECT_TRUE(old.closedByPeer());
}

TEST(HttpServer, Cors) {
  Config cfg;
  cfg.cors_origins = {"https://app.example"};
  NetHarness h(cfg);
  auto pre = httpRequest(h.port(), verb::options, "/api/webrtc/call/initiate", "",
                         {{"Origin", "https://app.example"},
                          {"Access-Control-Request-Method", "POST"},
                          {"Access-Control-Request-Headers", "authorization,content-type"}});
  EXPECT_EQ(pre.result_int(), 204u);
  EXPECT_EQ(pre[bhttp::field::access_control_allow_origin], "https://app.example");
  EXPECT_EQ(pre[bhttp::field::access_control_allow_headers], "authorization,content-type");
  EXPECT_NE(pre[bhttp::field::access_control_allow_methods].find("POST"), std::string::npos);

  auto evil =
      httpRequest(h.port(), verb::options, "/api/webrtc/call/initiate", "",
                  {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(evil.result_int(), 204u);
  EXPECT_EQ(evil.count(bhttp::field::access_control_allow_origin), 0u);

  auto get = httpRequest(h.port(), verb::get, "/api/webrtc/calls/active", "",
                         {{"Origin", "https://app.example"}, kAlice[0]});
  EXPECT_EQ(get[bhttp::field::access_control_allow_origin], "https://app.example");
  auto err = httpRequest(h.port(), verb::get, "/api/webrtc/calls/active", "",
                         {{"Origin", "https://app.example"}});
  EXPECT_EQ(err.result_int(), 401u);
  EXPECT_EQ(err[bhttp::field::access_control_allow_origin], "https://app.example");
  // Engine.IO polling is covered by the same policy.
  auto poll = httpRequest(h.port(), verb::get, "/socket.io/?EIO=4&transport=polling", "",
                          {{"Origin", "https://app.example"}});
  EXPECT_EQ(poll[bhttp::field::access_control_allow_origin], "https://app.example");
  auto poll_pre =
      httpRequest(h.port(), verb::options, "/socket.io/?EIO=4&transport=polling", "",
                  {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(poll_pre.result_int(), 204u);
  EXPECT_EQ(poll_pre[bhttp::field::access_control_allow_origin], "https://app.example");
}

TEST(HttpServer, GarbageNeverCrashes) {
  NetHarness h;
  const std::vector<std::string> garbage = {
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  // a TLS ClientHello on the plain port
      "GET\r\n\r\n",
      "POST /api HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      std::string(100, '\0'),
      "GET /" + std::string(70000, 'a') + " HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nX: " + std::string(20000, 'b') + "\r\n\r\n",
  };
  for (const auto& g : garbage) {
    HttpClient client(h.port());
    beast::error_code ec;
    asio::write(client.socket(), asio::buffer(g), ec);
    auto res = client.read();
    if (!client.lastError()) {
      EXPECT_GE(res.result_int(), 400u) << g.substr(0, 20);
      EXPECT_FALSE(res.keep_alive());
    }
  }
  auto res = httpRequest(h.port(), verb::get, "/api/webrtc/call/%00", "", kAlice);
  EXPECT_EQ(res.result_int(), 404u);
  res = httpRequest(h.port(), verb::get, "*");
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(httpRequest(h.port(), verb::get, "/healthz").result_int(), 200u);
}

TEST(HttpServer, HeaderTimeoutAndConnectionLimit) {
  http::HttpServerOptions options;
  options.header_timeout = 200ms;
  options.max_connections = 2;
  NetHarness h({}, options);
  {
    HttpClient idle(h.port());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(idle.closedByPeer(3000ms));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);
  }
  HttpClient a(h.port());
  HttpClient b(h.port());
  EXPECT_EQ(a.request(verb::get, "/healthz").result_int(), 200u);
  EXPECT_EQ(b.request(verb::get, "/healthz").result_int(), 200u);
  HttpClient c(h.port());
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_EQ(h.onIo([&] { return h.server().connectionCount(); }), 2u);
}

TEST(HttpServer, StaticFilesAndBundle) {
  NetHarness h;
  auto index = httpRequest(h.port(), verb::get, "/");
  EXPECT_EQ(index.result_int(), 200u);
  EXPECT_EQ(index[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_NE(index.body().find("<title>sfu</title>"), std::string::npos);
  auto css = httpRequest(h.port(), verb::get, "/css/site.css");
  EXPECT_EQ(css[bhttp::field::content_type], "text/css; charset=utf-8");
  EXPECT_EQ(httpRequest(h.port(), verb::get, "/css/../../etc/passwd").result_int(), 404u);
  EXPECT_EQ(httpRequest(h.port(), verb::get, "/%2e%2e/%2e%2e/etc/passwd").result_int(), 404u);
  EXPECT_EQ(httpRequest(h.port(), verb::get, "/missing.js").result_int(), 404u);
  EXPECT_EQ(httpRequest(h.port(), verb::post, "/index.html").result_int(), 404u);

  HttpClient head(h.port());
  auto res = head.request(verb::head, "/css/site.css");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[bhttp::field::content_length], "6");

  const auto bundle = std::filesystem::path(SFU_SOURCE_DIR) /
                      "signaling/web/vendor/node_modules/socket.io-client/dist/socket.io.min.js";
  auto js = httpRequest(h.port(), verb::get, "/socket.io/socket.io.js");
  if (std::filesystem::exists(bundle)) {
    EXPECT_EQ(js.result_int(), 200u);
    EXPECT_EQ(js[bhttp::field::content_type], "text/javascript; charset=utf-8");
    EXPECT_NE(js.body().find("Socket.IO"), std::string::npos);
    EXPECT_EQ(httpRequest(h.port(), verb::get, "/socket.io/socket.io.min.js").body(), js.body());
    EXPECT_EQ(httpRequest(h.port(), verb::get, "/socket.io/socket.io.min.js.map").result_int(),
              200u);
  } else {
    EXPECT_EQ(js.result_int(), 404u);
  }
}

TEST(HttpServer, ExtraRoutesAndExpectContinue) {
  NetHarness h;
  h.onIo([&] {
    h.server().addRoute(verb::post, "/whip/{room}", [](const http::RouteContext& ctx) {
      if (ctx.param("room") == "bad") throw ApiError(409, "conflict", "room busy");
      auto res = http::textResponse(bhttp::status::created, "answer:" + ctx.request.body(),
                                    "application/sdp", ctx.request.version());
      res.set(bhttp::field::location, "/whip/" + ctx.param("room") + "/1");
      return res;
    });
    h.server().addRoute(verb::get, "/api/dev/token", [](const http::RouteContext& ctx) {
      return http::jsonResponse(bhttp::status::ok,
                                {{"token", "good-" + ctx.queryParam("user").value_or("x")}},
                                ctx.request.version());
    });
  });
  auto whip =
      httpRequest(h.port(), verb::post, "/whip/r1", "v=0", {{"Content-Type", "application/sdp"}});
  EXPECT_EQ(whip.result_int(), 201u);
  EXPECT_EQ(whip.body(), "answer:v=0");
  EXPECT_EQ(whip[bhttp::field::location], "/whip/r1/1");
  expectEnvelope(httpRequest(h.port(), verb::post, "/whip/bad", "v=0"), 409, "conflict");
  auto token = httpRequest(h.port(), verb::get, "/api/dev/token?user=carol");
  EXPECT_EQ(bodyOf(token)["token"], "good-carol");

  // Expect: 100-continue gets the interim response, then the final one.
  HttpClient client(h.port());
  client.writeRaw(
      "POST /whip/r2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.read();
  EXPECT_EQ(interim.result_int(), 100u);
  client.writeRaw("abc");
  auto final_res = client.read();
  EXPECT_EQ(final_res.result_int(), 201u);
  EXPECT_EQ(final_res.body(), "answer:abc");
}

}  // namespace
}  // namespace signaling::testing
