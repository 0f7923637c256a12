#include "sfu/sctp/sctp_association.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "dtls_pair.h"

namespace sfu::sctp {
namespace {

using dtls::Certificate;
using dtls::DtlsContext;
using dtls::DtlsState;
using test::DtlsEndpoint;
using test::DtlsPair;

// The owner's "worker": usrsctp callbacks are posted here from any thread and run by the test
// loop. Static: usrsctp's timer thread may still post after a test's associations are gone.
class TaskQueue {
 public:
  void post(SctpAssociation::Task task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    cv_.notify_all();
  }
  bool runAll() {
    std::deque<SctpAssociation::Task> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(tasks_);
    }
    for (auto& t : batch) t();
    return !batch.empty();
  }
  // Waits (bounded) for usrsctp's own thread to post something.
  void waitBriefly() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(10), [&] { return !tasks_.empty(); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<SctpAssociation::Task> tasks_;
};

TaskQueue& queue() {
  static TaskQueue* q = new TaskQueue();
  return *q;
}

struct Message {
  uint16_t id;
  bool binary;
  std::vector<uint8_t> data;
};

struct SctpPeer : SctpAssociation::Listener {
  DtlsEndpoint* dtls = nullptr;
  std::unique_ptr<SctpAssociation> association;
  bool connected = false;
  bool closed = false;
  std::vector<std::pair<uint16_t, std::string>> opened;  // id, label
  std::vector<std::string> protocols;
  std::vector<Message> messages;
  std::vector<uint16_t> closedChannels;

  void onSctpSend(std::span<const uint8_t> packet) override {
    if (dtls->transport) dtls->transport->send(packet);
  }
  void onSctpConnected() override { connected = true; }
  void onSctpClosed() override { closed = true; }
  void onDataChannelOpen(uint16_t id, std::string_view label, std::string_view protocol) override {
    opened.emplace_back(id, std::string(label));
    protocols.emplace_back(protocol);
  }
  void onDataChannelMessage(uint16_t id, bool binary, std::span<const uint8_t> data) override {
    messages.push_back({id, binary, std::vector<uint8_t>(data.begin(), data.end())});
  }
  void onDataChannelClosed(uint16_t id) override { closedChannels.push_back(id); }
};

class SctpAssociationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto clientCert = Certificate::generate();
    auto serverCert = Certificate::generate();
    pair_.create(DtlsContext::create(clientCert), DtlsContext::create(serverCert));
    pair_.client.transport->setRemoteFingerprint(serverCert->fingerprint(), pair_.now);
    pair_.server.transport->setRemoteFingerprint(clientCert->fingerprint(), pair_.now);
    pair_.server.transport->start(pair_.now);
    pair_.client.transport->start(pair_.now);
    pair_.pump();
    ASSERT_EQ(pair_.client.transport->state(), DtlsState::kConnected);
    ASSERT_EQ(pair_.server.transport->state(), DtlsState::kConnected);

    for (auto [peer, endpoint, isClient] :
         {std::tuple{&client_, &pair_.client, true}, std::tuple{&server_, &pair_.server, false}}) {
      peer->dtls = endpoint;
      SctpAssociation::Options options;
      options.dtlsClient = isClient;
      options.post = [](SctpAssociation::Task t) { queue().post(std::move(t)); };
      peer->association = std::make_unique<SctpAssociation>(*peer, options);
      SctpPeer* target = peer;  // (clang 14 cannot capture structured bindings)
      endpoint->onData = [target](std::span<const uint8_t> data) {
        if (target->association) target->association->handleDtlsData(data);
      };
    }
    ASSERT_TRUE(client_.association->start());
    ASSERT_TRUE(server_.association->start());
    ASSERT_TRUE(runUntil([&] { return client_.connected && server_.connected; }));
  }

  void TearDown() override {
    client_.association.reset();
    server_.association.reset();
    queue().runAll();  // tasks for dead associations are dropped
  }

  // Drives DTLS datagrams and posted usrsctp tasks until `done` (bounded in real time).
  template <typename Pred>
  bool runUntil(Pred done, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      pair_.pump();
      bool ran = queue().runAll();
      if (done()) return true;
      if (!ran) queue().waitBriefly();
    }
    return done();
  }

  DtlsPair pair_;
  SctpPeer client_;
  SctpPeer server_;
};

TEST_F(SctpAssociationTest, OpenChannelAndExchangeMessagesBothWays) {
  auto id = client_.association->openChannel("chat", "json");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id % 2, 0) << "DTLS client opens even stream ids";
  ASSERT_TRUE(runUntil([&] { return !server_.opened.empty() && !client_.opened.empty(); }));
  EXPECT_EQ(server_.opened[0], std::make_pair(*id, std::string("chat")));
  EXPECT_EQ(server_.protocols[0], "json");
  EXPECT_EQ(client_.opened[0].first, *id);  // the ACK arrived
  EXPECT_TRUE(client_.association->channelOpen(*id));
  EXPECT_TRUE(server_.association->channelOpen(*id));

  std::vector<uint8_t> big(100000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 31);
  EXPECT_TRUE(client_.association->sendText(*id, "hello server"));
  EXPECT_TRUE(client_.association->sendMessage(*id, true, big));
  EXPECT_TRUE(client_.association->sendMessage(*id, false, {}));
  EXPECT_TRUE(client_.association->sendMessage(*id, true, {}));
  EXPECT_TRUE(server_.association->sendText(*id, "hello client"));
  const std::vector<uint8_t> bytes = {0, 1, 2, 255};
  EXPECT_TRUE(server_.association->sendMessage(*id, true, bytes));
  ASSERT_TRUE(runUntil([&] {
    return server_.messages.size() == 4 && client_.messages.size() == 2;
  })) << server_.messages.size()
      << " " << client_.messages.size();

  const auto& s = server_.messages;
  EXPECT_EQ(std::string(s[0].data.begin(), s[0].data.end()), "hello server");
  EXPECT_FALSE(s[0].binary);
  EXPECT_TRUE(s[1].binary);
  EXPECT_EQ(s[1].data, big);
  EXPECT_FALSE(s[2].binary);
  EXPECT_TRUE(s[2].data.empty());  // PPID 56: empty string
  EXPECT_TRUE(s[3].binary);
  EXPECT_TRUE(s[3].data.empty());  // PPID 57: empty binary
  EXPECT_EQ(std::string(client_.messages[0].data.begin(), client_.messages[0].data.end()),
            "hello client");
  EXPECT_EQ(client_.messages[1].data, bytes);
  EXPECT_TRUE(client_.messages[1].binary);
  EXPECT_EQ(client_.association->stats().messagesSent, 4u);
}

TEST_F(SctpAssociationTest, ServerOpensOddIdsAndClosingResetsBothSides) {
  auto a = server_.association->openChannel("from-server");
  auto b = server_.association->openChannel("second", "", ChannelType::kReliableUnordered);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a % 2, 1);
  EXPECT_EQ(*b, *a + 2);
  ASSERT_TRUE(runUntil([&] { return client_.opened.size() == 2 && server_.opened.size() == 2; }));
  EXPECT_TRUE(client_.association->sendText(*b, "unordered after ack"));
  ASSERT_TRUE(runUntil([&] { return server_.messages.size() == 1; }));

  // RFC 8831 §6.7: closing resets the stream; both ends report the channel closed.
  client_.association->closeChannel(*a);
  ASSERT_TRUE(
      runUntil([&] { return !client_.closedChannels.empty() && !server_.closedChannels.empty(); }));
  EXPECT_EQ(client_.closedChannels[0], *a);
  EXPECT_EQ(server_.closedChannels[0], *a);
  EXPECT_FALSE(server_.association->channelOpen(*a));
  EXPECT_FALSE(server_.association->sendText(*a, "gone"));
  EXPECT_TRUE(server_.association->channelOpen(*b));
}

TEST_F(SctpAssociationTest, RejectsUnknownChannelsAndOversizeMessages) {
  EXPECT_FALSE(client_.association->sendText(42, "no such channel"));
  auto id = client_.association->openChannel("x");
  ASSERT_TRUE(id.has_value());
  std::vector<uint8_t> huge(256 * 1024 + 1);
  EXPECT_FALSE(client_.association->sendMessage(*id, true, huge));
}

TEST_F(SctpAssociationTest, DestroyedAssociationIgnoresQueuedCallbacks) {
  auto id = client_.association->openChannel("bye");
  ASSERT_TRUE(id.has_value());
  pair_.pump();                 // usrsctp posts the server's callbacks...
  server_.association.reset();  // ...but the server is gone before they run
  queue().runAll();
  pair_.pump();
  queue().runAll();
  EXPECT_TRUE(server_.opened.empty());
}

TEST_F(SctpAssociationTest, ShutdownClosesPeer) {
  client_.association->close();
  EXPECT_FALSE(client_.association->connected());
  ASSERT_TRUE(runUntil([&] { return server_.closed; }));
  EXPECT_FALSE(server_.association->connected());
  EXPECT_FALSE(client_.closed);  // no callback for the side that closed
}

TEST_F(SctpAssociationTest, QuietAssociationsTickSlowlyUntilAChunkMoves) {
  auto id = client_.association->openChannel("quiet");
  ASSERT_TRUE(id.has_value());
  ASSERT_TRUE(runUntil([&] { return !server_.opened.empty(); }));
  // A second with no chunk in or out: the timer thread drops to its 200 ms tick and stays there
  // (two idle ticks in a row, no 20 ms tick in between).
  SctpAssociation::TimerTicks idle;
  ASSERT_TRUE(runUntil(
      [&] {
        const auto now = SctpAssociation::timerTicks();
        if (now.idle == 0 || now.busy != idle.busy) {
          idle = now;
          return false;
        }
        return now.idle >= idle.idle + 2;
      },
      std::chrono::milliseconds(10000)));
  // A message moves chunks both ways: the chunk ends the idle wait (woken), and 20 ms ticks
  // follow. Five of them pass before any idle one could (that takes another quiet second).
  const auto before = SctpAssociation::timerTicks();
  EXPECT_TRUE(client_.association->sendText(*id, "wake up"));
  ASSERT_TRUE(runUntil([&] { return server_.messages.size() == 1; }));
  ASSERT_TRUE(runUntil([&] { return SctpAssociation::timerTicks().busy >= before.busy + 5; }));
  const auto after = SctpAssociation::timerTicks();
  EXPECT_EQ(after.woken, before.woken + 1);
  EXPECT_EQ(after.idle, before.idle);
}

}  // namespace
}  // namespace sfu::sctp
