// Engine.IO v4 / Socket.IO v5 through the real HttpServer: polling, WebSocket, upgrade, auth,
// events, acks, notifier fan-out, heartbeat, limits. Clients are hand-written (packet-exact);
// tests/e2e/socketio_protocol.test.mjs runs the real socket.io-client against the same server.
#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "net_harness.h"

namespace signaling::testing {
namespace {

using bhttp::verb;
using nlohmann::json;

const std::string kBase = "/socket.io/?EIO=4&transport=polling";

std::vector<std::string> splitPayload(const std::string& body) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = body.find('\x1e', start);
    out.push_back(body.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

struct Polling {
  uint16_t port;
  std::string sid;
  json open;

  explicit Polling(uint16_t p, const std::string& extra_query = "",
                   std::vector<std::pair<std::string, std::string>> headers = {})
      : port(p) {
    auto res = httpRequest(port, verb::get, kBase + extra_query, "", std::move(headers));
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res[bhttp::field::content_type], "text/plain; charset=UTF-8");
    EXPECT_EQ(res.body().substr(0, 1), "0");
    open = json::parse(res.body().substr(1), nullptr, false);
    sid = open.value("sid", "");
  }
  Res post(const std::string& body) {
    return httpRequest(port, verb::post, kBase + "&sid=" + sid, body,
                       {{"Content-Type", "text/plain;charset=UTF-8"}});
  }
  Res get() { return httpRequest(port, verb::get, kBase + "&sid=" + sid); }
  // Next payload, pings answered and skipped.
  std::vector<std::string> next() {
    while (true) {
      auto res = get();
      EXPECT_EQ(res.result_int(), 200u) << res.body();
      if (res.result_int() != 200) return {};
      auto packets = splitPayload(res.body());
      std::vector<std::string> out;
      for (auto& p : packets) {
        if (p == "2") {
          post("3");
        } else {
          out.push_back(p);
        }
      }
      if (!out.empty()) return out;
    }
  }
  std::string connect(const std::string& token) {
    EXPECT_EQ(post("40{\"token\":\"" + token + "\"}").body(), "ok");
    auto packets = next();
    EXPECT_EQ(packets.size(), 1u);
    return packets.empty() ? "" : packets[0];
  }
};

std::string sioSidOf(const std::string& connect_packet) {
  if (connect_packet.rfind("40", 0) != 0) return "";
  return json::parse(connect_packet.substr(2), nullptr, false).value("sid", "");
}

std::unique_ptr<WsClient> connectWs(uint16_t port, const std::string& token) {
  auto ws = std::make_unique<WsClient>(port, "/socket.io/?EIO=4&transport=websocket");
  EXPECT_TRUE(ws->ok()) << ws->error().message();
  auto open = ws->read();
  EXPECT_TRUE(open && open->rfind("0{", 0) == 0);
  ws->send("40{\"token\":\"" + token + "\"}");
  auto connected = ws->readSkippingPings();
  EXPECT_TRUE(connected && connected->rfind("40{\"sid\":", 0) == 0) << connected.value_or("?");
  return ws;
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 3000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

TEST(SocketIo, PollingHandshake) {
  NetHarness h;
  Polling p(h.port());
  EXPECT_EQ(p.sid.size(), 20u);
  EXPECT_EQ(p.open["upgrades"], json::array({"websocket"}));
  EXPECT_EQ(p.open["pingInterval"], 25000);
  EXPECT_EQ(p.open["pingTimeout"], 20000);
  EXPECT_EQ(p.open["maxPayload"], 1000000);
  EXPECT_NE(Polling(h.port()).sid, p.sid);
}

TEST(SocketIo, EngineErrors) {
  NetHarness h;
  auto code = [](const Res& res) { return json::parse(res.body(), nullptr, false)["code"]; };
  auto v3 = httpRequest(h.port(), verb::get, "/socket.io/?EIO=3&transport=polling");
  EXPECT_EQ(v3.result_int(), 400u);
  EXPECT_EQ(code(v3), 5);
  EXPECT_EQ(code(httpRequest(h.port(), verb::get, "/socket.io/?EIO=4&transport=carrier")), 0);
  EXPECT_EQ(code(httpRequest(h.port(), verb::get, kBase + "&sid=nope")), 1);
  EXPECT_EQ(code(httpRequest(h.port(), verb::post, kBase, "40")), 2);

  Polling bad_payload(h.port());
  EXPECT_EQ(bad_payload.post("9").result_int(), 400u);
  EXPECT_EQ(code(bad_payload.get()), 1);  // the session is gone

  Polling bad_sio(h.port());
  EXPECT_EQ(bad_sio.post("4x").body(), "ok");
  EXPECT_EQ(code(bad_sio.get()), 1);

  Polling big(h.port());
  EXPECT_EQ(big.post("4" + std::string(1000000, 'a')).result_int(), 413u);
  EXPECT_EQ(code(big.get()), 1);

  // Two GETs at once: the second is refused and the session closes (the first gets "1").
  Polling overlap(h.port());
  auto first = std::async(std::launch::async, [&] { return overlap.get(); });
  ASSERT_TRUE(
      eventually([&] { return h.onIo([&] { return h.server().connectionCount(); }) >= 1; }));
  std::this_thread::sleep_for(50ms);
  auto second = overlap.get();
  EXPECT_EQ(second.result_int(), 400u);
  EXPECT_EQ(first.get().body(), "1");
  EXPECT_EQ(h.calls().records().size(), 0u);
}

TEST(SocketIo, PollingConnectEventsAcksAndErrors) {
  NetHarness h;
  Polling p(h.port());
  const auto sio_sid = sioSidOf(p.connect("good-alice"));
  ASSERT_EQ(sio_sid.size(), 20u);
  EXPECT_NE(sio_sid, p.sid);
  EXPECT_EQ(h.calls().count("connected"), 1u);
  EXPECT_TRUE(h.onIo([&] { return h.hub().isOnline("alice"); }));

  struct Case {
    std::string name;
    std::string send;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"ack with result", R"(421["ack_me",{"a":1}])", {R"(431[{"got":{"a":1}}])"}},
      {"ack default", R"(422["webrtc_offer",{"call_id":"c"}])", {R"(432[{"success":true}])"}},
      {"echo via notifier", R"(42["echo",{"x":1}])", {R"(42["echo",{"x":1}])"}},
      {"api error", R"(42["fail",{}])", {R"(42["error",{"message":"Missing required fields"}])"}},
      {"api error with ack",
       R"(423["fail",{}])",
       {R"(42["error",{"message":"Missing required fields"}])",
        R"(433[{"error":{"code":"bad_request","message":"Missing required fields"},"success":false}])"}},
      {"internal error", R"(42["boom"])", {R"(42["error",{"message":"Internal error"}])"}},
      {"authenticate user_id",
       R"(42["authenticate",{"user_id":"alice"}])",
       {R"(42["authenticated",{"user_id":"alice"}])"}},
      {"authenticate token",
       R"(425["authenticate",{"token":"good-alice"}])",
       {R"(42["authenticated",{"user_id":"alice"}])",
        R"(435[{"success":true,"user_id":"alice"}])"}},
      {"authenticate other user",
       R"(42["authenticate",{"user_id":"bob"}])",
       {R"(42["error",{"message":"user_id does not match the authenticated user"}])"}},
      {"authenticate other token",
       R"(42["authenticate",{"token":"good-bob"}])",
       {R"(42["error",{"message":"Token does not belong to the connected user"}])"}},
      {"authenticate bad token",
       R"(42["authenticate",{"token":"nope"}])",
       {R"(42["error",{"message":"Invalid token"}])"}},
      {"two in one body",
       "42[\"echo\",1]\x1e"
       "42[\"echo\",2]",
       {R"(42["echo",1])", R"(42["echo",2])"}},
      {"binary refused",
       R"(451-["up",{"_placeholder":true,"num":0}])"
       "\x1e"
       "bAQID",
       {R"(42["error",{"message":"Binary payloads are not supported"}])"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(p.post(c.send).body(), "ok");
    EXPECT_EQ(p.next(), c.want);
  }
  auto records = h.calls().records();
  auto offer = std::find_if(records.begin(), records.end(),
                            [](const auto& r) { return r.what == "event:webrtc_offer"; });
  ASSERT_NE(offer, records.end());
  EXPECT_EQ(offer->user, "alice");
  EXPECT_EQ(offer->id, sio_sid);
  EXPECT_EQ(offer->data, (json{{"call_id", "c"}}));
  EXPECT_EQ(h.calls().count("event:authenticate"), 0u);  // handled by the hub

  EXPECT_EQ(p.post("41").body(), "ok");
  EXPECT_TRUE(eventually([&] { return h.calls().count("disconnected") == 1; }));
  EXPECT_FALSE(h.onIo([&] { return h.hub().isOnline("alice"); }));
}

TEST(SocketIo, ConnectRefusalsAndTokenSources) {
  NetHarness h;
  Polling bad(h.port());
  auto refused = bad.connect("nope");
  EXPECT_EQ(refused.substr(0, 2), "44");
  EXPECT_EQ(json::parse(refused.substr(2))["message"], "Invalid token");
  EXPECT_EQ(json::parse(refused.substr(2))["data"]["code"], "unauthorized");

  Polling none(h.port());
  EXPECT_EQ(none.post("40").body(), "ok");
  auto missing = none.next();
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(json::parse(missing[0].substr(2))["message"], "Authentication required");
  // Events of a socket that never connected are ignored.
  EXPECT_EQ(none.post(R"(42["echo",1])").body(), "ok");

  Polling by_query(h.port(), "&token=good-bob&userId=bob");
  EXPECT_EQ(by_query.post("40").body(), "ok");
  EXPECT_EQ(sioSidOf(by_query.next()[0]).size(), 20u);

  Polling bearer_in_auth(h.port());
  EXPECT_EQ(sioSidOf(bearer_in_auth.connect("Bearer good-erin")).size(), 20u);

  Polling by_header(h.port(), "", {{"Authorization", "Bearer good-carol"}});
  EXPECT_EQ(by_header.post("40").body(), "ok");
  EXPECT_EQ(sioSidOf(by_header.next()[0]).size(), 20u);

  Polling other_ns(h.port());
  EXPECT_EQ(other_ns.post("40/admin,{\"token\":\"good-dave\"}").body(), "ok");
  EXPECT_EQ(other_ns.next(),
            (std::vector<std::string>{R"(44/admin,{"message":"Invalid namespace"})"}));

  auto records = h.calls().records();
  std::vector<std::string> users;
  for (const auto& r : records) users.push_back(r.what + ":" + r.user);
  EXPECT_EQ(users,
            (std::vector<std::string>{"connected:bob", "connected:erin", "connected:carol"}));
}

TEST(SocketIo, LongPollWakesOnEmit) {
  NetHarness h;
  Polling p(h.port());
  p.connect("good-alice");
  auto pending = std::async(std::launch::async, [&] { return p.next(); });
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(h.onIo([&] { return h.hub().emitToUser("alice", "hello", json{{"n", 1}}); }));
  EXPECT_EQ(pending.get(), (std::vector<std::string>{R"(42["hello",{"n":1}])"}));
  EXPECT_FALSE(h.onIo([&] { return h.hub().emitToUser("nobody", "hello", 1); }));
}

TEST(SocketIo, WebSocketFanOutAndDisconnect) {
  NetHarness h;
  WsClient direct(h.port(), "/socket.io/?EIO=4&transport=websocket");
  auto open = direct.read();
  ASSERT_TRUE(open);
  auto open_json = json::parse(open->substr(1));
  EXPECT_EQ(open_json["upgrades"], json::array());
  EXPECT_EQ(open_json["sid"].get<std::string>().size(), 20u);

  auto alice1 = connectWs(h.port(), "good-alice");
  auto alice2 = connectWs(h.port(), "good-alice");
  auto bob = connectWs(h.port(), "good-bob");
  EXPECT_EQ(h.onIo([&] { return h.hub().socketCount("alice"); }), 2u);
  EXPECT_EQ(h.onIo([&] { return h.hub().onlineUsers(); }),
            (std::vector<std::string>{"alice", "bob"}));
  EXPECT_TRUE(h.onIo([&] { return h.hub().emitToUser("alice", "hello", json{{"n", 1}}); }));
  EXPECT_EQ(alice1->readSkippingPings(), R"(42["hello",{"n":1}])");
  EXPECT_EQ(alice2->readSkippingPings(), R"(42["hello",{"n":1}])");

  bob->send(R"(427["notify_user",{"to":"alice","m":"hi"}])");
  EXPECT_EQ(bob->readSkippingPings(), R"(437[{"delivered":true}])");
  EXPECT_EQ(alice1->readSkippingPings(), R"(42["notified",{"m":"hi","to":"alice"}])");
  EXPECT_EQ(alice2->readSkippingPings(), R"(42["notified",{"m":"hi","to":"alice"}])");

  alice1->send("41");
  EXPECT_TRUE(eventually([&] { return h.calls().count("disconnected") == 1; }));
  EXPECT_EQ(h.onIo([&] { return h.hub().socketCount("alice"); }), 1u);
  alice2->stream().close(websocket::close_code::normal);
  EXPECT_TRUE(eventually([&] { return !h.onIo([&] { return h.hub().isOnline("alice"); }); }));
  EXPECT_TRUE(h.onIo([&] { return h.hub().isOnline("bob"); }));
  EXPECT_EQ(h.onIo([&] { return h.hub().onlineUsers(); }), (std::vector<std::string>{"bob"}));
}

TEST(SocketIo, UpgradeFromPolling) {
  NetHarness h;
  Polling p(h.port());
  p.connect("good-alice");
  auto pending = std::async(std::launch::async, [&] { return p.get(); });
  std::this_thread::sleep_for(50ms);
  WsClient ws(h.port(), "/socket.io/?EIO=4&transport=websocket&sid=" + p.sid);
  ASSERT_TRUE(ws.ok());
  ws.send("2probe");
  EXPECT_EQ(ws.read(), "3probe");
  EXPECT_EQ(pending.get().body(), "6");  // the pending poll is released with a noop
  // Emitted while upgrading: held back, then delivered over the WebSocket.
  EXPECT_TRUE(h.onIo([&] { return h.hub().emitToUser("alice", "queued", 1); }));
  ws.send("5");
  EXPECT_EQ(ws.readSkippingPings(), R"(42["queued",1])");
  ws.send(R"(42["echo",{"v":2}])");
  EXPECT_EQ(ws.readSkippingPings(), R"(42["echo",{"v":2}])");
  auto late = p.get();
  EXPECT_EQ(late.result_int(), 400u);
  EXPECT_EQ(json::parse(late.body())["code"], 3);

  // A probe for a session that does not exist is refused before the handshake.
  WsClient stray(h.port(), "/socket.io/?EIO=4&transport=websocket&sid=unknown");
  EXPECT_FALSE(stray.ok());
}

TEST(SocketIo, HeartbeatKeepsLiveAndDropsSilent) {
  sio::EngineOptions engine;
  engine.ping_interval = 100ms;
  engine.ping_timeout = 150ms;
  NetHarness h({}, {}, engine);
  auto live = connectWs(h.port(), "good-alice");
  auto silent = connectWs(h.port(), "good-bob");
  // (No read timeouts shorter than a ping interval: cancelling a WebSocket read breaks it.)
  int pings = 0;
  const auto start = std::chrono::steady_clock::now();
  while (pings < 4) {
    auto msg = live->read(2000ms);
    ASSERT_TRUE(msg);
    if (*msg == "2") {
      ++pings;
      live->send("3");
    }
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);  // > 2 ping intervals
  live->send(R"(421["ack_me",1])");
  EXPECT_EQ(live->readSkippingPings(), R"(431[{"got":1}])");

  // bob never answered: closed after ping_interval + ping_timeout.
  std::optional<std::string> msg;
  while ((msg = silent->read(1000ms)) && *msg == "2") {
  }
  EXPECT_FALSE(msg);
  EXPECT_NE(silent->error(), beast::error::timeout);
  EXPECT_TRUE(eventually([&] { return !h.onIo([&] { return h.hub().isOnline("bob"); }); }));
  EXPECT_TRUE(h.onIo([&] { return h.hub().isOnline("alice"); }));
}

TEST(SocketIo, SendQueueOverflowDropsTheSocket) {
  sio::EngineOptions engine;
  engine.max_queued_packets = 8;
  NetHarness h({}, {}, engine);
  Polling p(h.port());
  p.connect("good-alice");
  h.onIo([&] {
    for (int i = 0; i < 20; ++i) h.hub().emitToUser("alice", "flood", i);
  });
  EXPECT_TRUE(eventually([&] { return h.calls().count("disconnected") == 1; }));
  EXPECT_EQ(json::parse(p.get().body())["code"], 1);
}

TEST(SocketIo, MetricsUseKnownEventNames) {
  NetHarness h;
  auto ws = connectWs(h.port(), "good-alice");
  ws->send(R"(421["zzz_custom_event_name",1])");
  EXPECT_EQ(ws->readSkippingPings(), R"(431[{"success":true}])");
  ws->send(R"(422["webrtc_ice_candidate",{}])");
  EXPECT_EQ(ws->readSkippingPings(), R"(432[{"success":true}])");
  auto text = httpRequest(h.port(), verb::get, "/metrics").body();
  EXPECT_NE(text.find("sfu_socketio_connections"), std::string::npos);
  EXPECT_NE(text.find("sfu_socketio_events_total{event=\"other\"}"), std::string::npos);
  EXPECT_NE(text.find("sfu_socketio_events_total{event=\"webrtc_ice_candidate\"}"),
            std::string::npos);
  EXPECT_EQ(text.find("zzz_custom_event_name"), std::string::npos);
  EXPECT_NE(text.find("route=\"/socket.io/\""), std::string::npos);
}

TEST(SocketIo, TlsServesHttpsAndWss) {
  Config cfg;
  cfg.tls_cert_file = std::string(SFU_TEST_DATA_DIR) + "/tls/cert.pem";
  cfg.tls_key_file = std::string(SFU_TEST_DATA_DIR) + "/tls/key.pem";
  NetHarness h(cfg);
  EXPECT_TRUE(h.server().tls());

  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  {
    beast::ssl_stream<tcp::socket> tls(ioc, ctx);
    tls.next_layer().connect({asio::ip::make_address("127.0.0.1"), h.port()});
    tls.handshake(asio::ssl::stream_base::client);
    Req req{verb::get, "/healthz", 11};
    req.set(bhttp::field::host, "localhost");
    bhttp::write(tls, req);
    beast::flat_buffer buffer;
    Res res;
    bhttp::read(tls, buffer, res);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), R"({"status":"ok"})");
  }
  {
    websocket::stream<beast::ssl_stream<tcp::socket>> wss(ioc, ctx);
    beast::get_lowest_layer(wss).connect({asio::ip::make_address("127.0.0.1"), h.port()});
    wss.next_layer().handshake(asio::ssl::stream_base::client);
    wss.handshake("localhost", "/socket.io/?EIO=4&transport=websocket");
    beast::flat_buffer buffer;
    wss.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()).substr(0, 2), "0{");
    buffer.clear();
    wss.write(asio::buffer(std::string("40{\"token\":\"good-alice\"}")));
    wss.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()).substr(0, 8), "40{\"sid\"");
  }
  // A plain-text client on the TLS port is dropped, the server keeps going.
  HttpClient plain(h.port());
  plain.writeRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(plain.closedByPeer());
}

TEST(SocketIo, EmitToAllReachesEveryConnectedSocket) {
  NetHarness h;
  auto alice1 = connectWs(h.port(), "good-alice");
  auto alice2 = connectWs(h.port(), "good-alice");
  auto bob = connectWs(h.port(), "good-bob");
  // An Engine.IO session without a Socket.IO CONNECT is not a socket: it gets nothing.
  WsClient bare(h.port(), "/socket.io/?EIO=4&transport=websocket");
  ASSERT_TRUE(bare.read());
  EXPECT_EQ(h.onIo([&] {
    return h.hub().emitToAll("server_shutdown", {{"drain_seconds", 30}});
  }),
            3u);
  for (auto* c : {alice1.get(), alice2.get(), bob.get()}) {
    EXPECT_EQ(c->readSkippingPings(), R"(42["server_shutdown",{"drain_seconds":30}])");
  }
}

}  // namespace
}  // namespace signaling::testing
