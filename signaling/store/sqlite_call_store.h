// CallStore on SQLite (libsqlite3): one file, WAL journal. With synchronous=NORMAL (the default) a
// committed call survives kill -9 of the server (the WAL write is in the OS before commit returns)
// without an fsync per commit on the signaling thread; synchronous=FULL (`durable_commits`) also
// survives power loss, at ~3 ms per state change. Schema versioned with PRAGMA user_version.
//
// With a db_key, everything that names a user (caller, participants, quality reports, group id) is
// stored AES-256-GCM encrypted (FieldCipher) and participants are found through an HMAC-SHA256 of
// the user id: the file holds no plaintext user id. The `meta` table records the mode, the KDF salt
// and a key check value, so reopening with a missing or wrong key fails loudly instead of mixing.
// Without a key, values are stored in plaintext and a warning is logged at open.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "signaling/store/call_store.h"
#include "signaling/store/field_cipher.h"

struct sqlite3;

namespace signaling::store {

class SqliteCallStore : public CallStore {
 public:
  static constexpr int kSchemaVersion = 2;

  struct Options {
    std::string path;    // file path; parent folders are created
    std::string db_key;  // empty: plaintext storage
    uint32_t pbkdf2_iterations = FieldCipher::kDefaultPbkdf2Iterations;
    bool durable_commits = false;  // synchronous=FULL instead of NORMAL
  };

  // Opens or creates the database. Throws StoreError (unreadable file, newer schema, wrong key,
  // key given for a plaintext database or missing for an encrypted one).
  explicit SqliteCallStore(const Options& options);
  ~SqliteCallStore() override;
  SqliteCallStore(const SqliteCallStore&) = delete;
  SqliteCallStore& operator=(const SqliteCallStore&) = delete;

  bool encrypted() const { return cipher_.has_value(); }

  void saveCall(const CallRecord& call) override;
  std::optional<CallRecord> findCall(const std::string& call_id) override;
  std::vector<CallRecord> activeCallsFor(const std::string& user_id) override;
  HistoryPage historyFor(const std::string& user_id, int limit, int offset) override;
  std::vector<CallRecord> liveCalls() override;
  void addQualityReport(const QualityReport& report) override;
  std::vector<QualityReport> qualityReports(const std::string& call_id) override;
  void saveMediaStats(const std::string& call_id, const std::string& json, int64_t at_ms) override;
  std::optional<std::string> mediaStats(const std::string& call_id) override;
  bool writable() override;

 private:
  class Stmt;
  void exec(const char* sql);
  void migrate();
  void setUpEncryption(const Options& options);
  std::string sealValue(const std::string& value, const std::string& place) const;
  std::string openValue(const std::string& stored, const std::string& place) const;
  std::string userKey(const std::string& user_id) const;
  std::vector<CallRecord> loadCalls(Stmt& ids);

  sqlite3* db_ = nullptr;
  std::optional<FieldCipher> cipher_;
};

}  // namespace signaling::store
