#include "signaling/store/sqlite_call_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

#include "signaling/store/field_cipher.h"
#include "unit/signaling/temp_dir.h"

namespace signaling::store {
namespace {

using signaling::testing::readAll;
using signaling::testing::TempDir;

constexpr uint32_t kFastKdf = 1000;  // tests only: keep PBKDF2 cheap

CallRecord sampleCall(const std::string& id, int64_t started, const std::string& caller,
                      const std::string& callee, std::string status = "ended") {
  CallRecord c;
  c.call_id = id;
  c.type = "video";
  c.mode = "p2p";
  c.caller_id = caller;
  c.status = std::move(status);
  c.started_at_ms = started;
  c.answered_at_ms = started + 2000;
  c.ended_at_ms = started + 12500;
  c.duration_s = 10.5;
  c.participants = {
      {caller, "left", started, started, started + 12500},
      {callee, "left", started, started + 2000, started + 12500},
  };
  return c;
}

SqliteCallStore::Options opts(const std::string& path, std::string key = "") {
  return {path, std::move(key), kFastKdf};
}

TEST(SqliteCallStoreTest, RoundTripAndReopen) {
  TempDir dir;
  std::string path = dir.file("sub/calls.db");
  CallRecord c = sampleCall("call_1", 1000, "alice", "bob");
  c.group_id = "g1";
  {
    SqliteCallStore s(opts(path));
    EXPECT_FALSE(s.encrypted());
    s.saveCall(c);
    auto got = s.findCall("call_1");
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, c);
    EXPECT_FALSE(s.findCall("nope"));
  }
  SqliteCallStore again(opts(path));
  auto got = again.findCall("call_1");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, c);
  // Update replaces the participant list.
  c.status = "ended";
  c.participants.pop_back();
  again.saveCall(c);
  EXPECT_EQ(*again.findCall("call_1"), c);
}

TEST(SqliteCallStoreTest, WalModeAndSchemaVersion) {
  TempDir dir;
  std::string path = dir.file("calls.db");
  { SqliteCallStore s(opts(path)); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), SqliteCallStore::kSchemaVersion);
  sqlite3_finalize(st);
  // A newer schema is refused.
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_THROW(SqliteCallStore s(opts(path)), StoreError);
}

TEST(SqliteCallStoreTest, ActiveAndHistoryQueries) {
  TempDir dir;
  SqliteCallStore s(opts(dir.file("calls.db")));
  for (int i = 0; i < 25; ++i) {
    s.saveCall(
        sampleCall("call_" + std::to_string(i), 1000 + i * 100, "alice", i % 2 ? "bob" : "carol"));
  }
  s.saveCall(sampleCall("call_live", 9000, "bob", "alice", "active"));
  s.saveCall(sampleCall("call_ring", 9100, "dave", "alice", "ringing"));

  auto active = s.activeCallsFor("alice");
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].call_id, "call_ring");  // newest first
  EXPECT_EQ(active[1].call_id, "call_live");
  EXPECT_EQ(s.activeCallsFor("carol").size(), 0u);
  EXPECT_EQ(s.liveCalls().size(), 2u);

  auto page = s.historyFor("alice", 10, 0);
  EXPECT_EQ(page.total, 27);
  ASSERT_EQ(page.calls.size(), 10u);
  EXPECT_EQ(page.calls[0].call_id, "call_ring");
  EXPECT_EQ(page.calls[2].call_id, "call_24");
  auto last = s.historyFor("alice", 10, 20);
  ASSERT_EQ(last.calls.size(), 7u);
  EXPECT_EQ(last.calls.back().call_id, "call_0");
  auto bob = s.historyFor("bob", 100, 0);
  EXPECT_EQ(bob.total, 12 + 1);
  EXPECT_EQ(s.historyFor("nobody", 10, 0).total, 0);
}

TEST(SqliteCallStoreTest, QualityReports) {
  TempDir dir;
  SqliteCallStore s(opts(dir.file("calls.db"), "passphrase"));
  s.saveCall(sampleCall("call_q", 1000, "alice", "bob"));
  QualityReport r{"call_q", "alice", "good", "poor", std::nullopt, {"audio_lag"}, 5000};
  s.addQualityReport(r);
  QualityReport r2{"call_q", "bob", std::nullopt, std::nullopt, "fair", {}, 6000};
  s.addQualityReport(r2);
  auto got = s.qualityReports("call_q");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], r);
  EXPECT_EQ(got[1], r2);
}

TEST(SqliteCallStoreTest, MediaStatsReplaceAndReopen) {
  TempDir dir;
  std::string path = dir.file("calls.db");
  {
    SqliteCallStore s(opts(path, "passphrase"));
    s.saveCall(sampleCall("call_m", 1000, "alice", "bob"));
    EXPECT_FALSE(s.mediaStats("call_m"));
    s.saveMediaStats("call_m", R"({"v":1})", 2000);
    s.saveMediaStats("call_m", R"({"v":2})", 3000);
  }
  SqliteCallStore s(opts(path, "passphrase"));
  EXPECT_EQ(s.mediaStats("call_m"), R"({"v":2})");
  EXPECT_FALSE(s.mediaStats("call_other"));
}

TEST(SqliteCallStoreTest, WritableUnlessAnotherWriterHoldsTheLock) {
  TempDir dir;
  std::string path = dir.file("calls.db");
  SqliteCallStore s(opts(path));
  EXPECT_TRUE(s.writable());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_FALSE(s.writable());
  sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(s.writable());
  s.saveCall(sampleCall("call_w", 1000, "alice", "bob"));  // the short wait did not stick
  EXPECT_TRUE(s.findCall("call_w"));
}

TEST(SqliteCallStoreTest, Version1DatabaseGainsTheMediaStatsTable) {
  TempDir dir;
  std::string path = dir.file("v1.db");
  { SqliteCallStore s(opts(path)); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "DROP TABLE media_stats; PRAGMA user_version=1", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  SqliteCallStore s(opts(path));
  s.saveCall(sampleCall("call_v1", 1000, "alice", "bob"));
  s.saveMediaStats("call_v1", "{}", 2000);
  EXPECT_EQ(s.mediaStats("call_v1"), "{}");
}

TEST(SqliteCallStoreTest, EncryptedFileHoldsNoPlaintext) {
  TempDir dir;
  std::string path = dir.file("enc.db");
  const std::string alice = "alice-unique-user-7f3a";
  const std::string bob = "bob-unique-user-91c2";
  {
    SqliteCallStore s(opts(path, "correct horse battery staple"));
    EXPECT_TRUE(s.encrypted());
    CallRecord c = sampleCall("call_enc", 1000, alice, bob);
    c.group_id = "group-secret-name-55";
    s.saveCall(c);
    s.addQualityReport({"call_enc", alice, "good", "good", "good", {"video_freeze_marker"}, 2000});
    s.saveMediaStats("call_enc", R"({"participants":[{"user":")" + bob + R"("}]})", 2500);
    auto hist = s.historyFor(bob, 10, 0);
    ASSERT_EQ(hist.calls.size(), 1u);
    EXPECT_EQ(hist.calls[0].participants[1].user_id, bob);
    EXPECT_EQ(hist.calls[0].group_id, "group-secret-name-55");
  }
  // The main file and the WAL together hold every committed byte.
  std::string bytes = readAll(path) + readAll(path + "-wal");
  ASSERT_FALSE(bytes.empty());
  for (const std::string& secret :
       {alice, bob, std::string("group-secret-name-55"), std::string("video_freeze_marker")}) {
    EXPECT_EQ(bytes.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(bytes.find("call_enc"), std::string::npos);  // call ids are not secret

  // Reopen: right key works, wrong or missing key is refused.
  {
    SqliteCallStore s(opts(path, "correct horse battery staple"));
    ASSERT_TRUE(s.findCall("call_enc"));
    EXPECT_EQ(s.findCall("call_enc")->caller_id, alice);
    EXPECT_EQ(s.qualityReports("call_enc")[0].issues[0], "video_freeze_marker");
  }
  EXPECT_THROW(SqliteCallStore s(opts(path, "wrong key")), StoreError);
  EXPECT_THROW(SqliteCallStore s(opts(path)), StoreError);
}

TEST(SqliteCallStoreTest, PlaintextDatabaseRefusesKey) {
  TempDir dir;
  std::string path = dir.file("plain.db");
  {
    SqliteCallStore s(opts(path));
    s.saveCall(sampleCall("call_p", 1, "alice", "bob"));
  }
  EXPECT_THROW(SqliteCallStore s(opts(path, "now-a-key")), StoreError);
}

TEST(SqliteCallStoreTest, HexKeyAndTamperedValue) {
  TempDir dir;
  std::string path = dir.file("hex.db");
  std::string hex(64, 'a');
  {
    SqliteCallStore s(opts(path, hex));
    s.saveCall(sampleCall("call_h", 1, "alice", "bob"));
  }
  // Copying one row's sealed caller into another row must fail to open (AAD binds the call id).
  {
    SqliteCallStore s(opts(path, hex));
    s.saveCall(sampleCall("call_h2", 2, "carol", "dave"));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE calls SET caller = (SELECT caller FROM calls WHERE id='call_h')"
                         " WHERE id='call_h2'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  SqliteCallStore s(opts(path, hex));
  EXPECT_TRUE(s.findCall("call_h"));
  EXPECT_THROW(s.findCall("call_h2"), StoreError);
}

TEST(FieldCipherTest, SealOpen) {
  auto c = FieldCipher::derive("pass", "salt-salt-salt-1", kFastKdf);
  auto sealed = c.seal("hello", "place");
  EXPECT_EQ(sealed.size(), 5 + FieldCipher::kOverhead);
  EXPECT_EQ(c.open(sealed, "place"), "hello");
  EXPECT_FALSE(c.open(sealed, "other place"));
  EXPECT_NE(c.seal("hello", "place"), sealed);  // fresh nonce
  auto tampered = sealed;
  tampered[20] ^= 1;
  EXPECT_FALSE(c.open(tampered, "place"));
  EXPECT_FALSE(c.open("short", "place"));
  auto other = FieldCipher::derive("pass", "salt-salt-salt-2", kFastKdf);
  EXPECT_FALSE(other.open(sealed, "place"));
  EXPECT_NE(other.lookupHash("alice"), c.lookupHash("alice"));
  EXPECT_EQ(c.lookupHash("alice"), c.lookupHash("alice"));
  EXPECT_EQ(c.open(c.seal("", "p"), "p"), "");
}

// A child commits a call and is killed with SIGKILL right after the commit returns (no destructor,
// no checkpoint); the parent reopens the file and finds the call.
TEST(SqliteCallStoreTest, CommittedCallSurvivesKill9) {
  TempDir dir;
  std::string path = dir.file("durable.db");
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    try {
      auto* s = new SqliteCallStore(opts(path, "durability-key"));  // never destroyed
      s->saveCall(sampleCall("call_durable", 42, "alice", "bob", "active"));
      char ok = 'y';
      (void)!::write(pipefd[1], &ok, 1);
    } catch (...) {
      char bad = 'n';
      (void)!::write(pipefd[1], &bad, 1);
    }
    for (;;) ::pause();
  }
  ::close(pipefd[1]);
  char flag = 0;
  ASSERT_EQ(::read(pipefd[0], &flag, 1), 1);
  ::close(pipefd[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  ASSERT_EQ(flag, 'y');
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));

  SqliteCallStore s(opts(path, "durability-key"));
  auto got = s.findCall("call_durable");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, "active");
  EXPECT_EQ(got->participants.size(), 2u);
  EXPECT_EQ(s.liveCalls().size(), 1u);
}

}  // namespace
}  // namespace signaling::store
