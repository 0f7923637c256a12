#include "signaling/store/sqlite_call_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "sfu/common/log.h"

namespace signaling::store {
namespace {

constexpr char kKeyCheckPlain[] = "sfu-server call store key check";
constexpr char kKeyCheckPlace[] = "meta.key_check";

// Schema version 1. Columns holding user data are BLOBs: sealed values when encrypted, the UTF-8
// text itself otherwise. `user_key` is the HMAC lookup hash (or the plain id).
constexpr const char* kSchemaV1[] = {
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS calls ("
    " id TEXT PRIMARY KEY, type TEXT NOT NULL, mode TEXT NOT NULL, caller BLOB NOT NULL,"
    " status TEXT NOT NULL, group_id BLOB, started_at INTEGER NOT NULL, answered_at INTEGER,"
    " ended_at INTEGER, duration REAL)",
    "CREATE INDEX IF NOT EXISTS calls_status ON calls(status)",
    "CREATE TABLE IF NOT EXISTS participants ("
    " call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE, user_key BLOB NOT NULL,"
    " user_id BLOB NOT NULL, position INTEGER NOT NULL, status TEXT NOT NULL,"
    " invited_at INTEGER, joined_at INTEGER, left_at INTEGER, PRIMARY KEY (call_id, user_key))",
    "CREATE INDEX IF NOT EXISTS participants_user ON participants(user_key)",
    "CREATE TABLE IF NOT EXISTS quality_reports ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE, user_key BLOB NOT NULL,"
    " body BLOB NOT NULL, created_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS quality_call ON quality_reports(call_id)",
};

// Version 2: the SFU's quality statistics per group call (participant ids inside: sealed).
constexpr const char* kSchemaV2[] = {
    "CREATE TABLE IF NOT EXISTS media_stats ("
    " call_id TEXT PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,"
    " body BLOB NOT NULL, updated_at INTEGER NOT NULL)",
};

}  // namespace

// A prepared statement; reset and rebound per use. Throws StoreError on SQLite errors.
class SqliteCallStore::Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw StoreError(std::string("prepare: ") + sqlite3_errmsg(db));
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& text(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& blob(int i, const std::string& v) {
    check(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& integer(int i, int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Stmt& optInteger(int i, const std::optional<int64_t>& v) {
    check(v ? sqlite3_bind_int64(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
    return *this;
  }
  Stmt& optReal(int i, const std::optional<double>& v) {
    check(v ? sqlite3_bind_double(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
    return *this;
  }
  Stmt& null(int i) {
    check(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  // true while a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(std::string("step: ") + sqlite3_errmsg(db_));
  }
  void run() { step(); }
  std::string bytes(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }
  bool isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<int64_t> optInteger(int col) const {
    if (isNull(col)) return std::nullopt;
    return integer(col);
  }
  std::optional<double> optReal(int col) const {
    if (isNull(col)) return std::nullopt;
    return sqlite3_column_double(stmt_, col);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw StoreError(std::string("bind: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

SqliteCallStore::SqliteCallStore(const Options& options) {
  if (options.path != ":memory:") {
    std::filesystem::path p(options.path);
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  }
  int rc =
      sqlite3_open_v2(options.path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open " + options.path + ": " + msg);
  }
  try {
    if (options.path != ":memory:") ::chmod(options.path.c_str(), 0600);
    sqlite3_busy_timeout(db_, 5000);
    // WAL: readers never block the writer; FULL: the WAL is fsynced at every commit, so a
    // committed call survives kill -9 and power loss
    // (https://sqlite.org/pragma.html#pragma_synchronous).
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    migrate();
    setUpEncryption(options);
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteCallStore::~SqliteCallStore() {
  if (db_) sqlite3_close(db_);
}

void SqliteCallStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError(std::string(sql).substr(0, 40) + ": " + msg);
  }
}

void SqliteCallStore::migrate() {
  int version = 0;
  {
    Stmt q(db_, "PRAGMA user_version");
    if (q.step()) version = static_cast<int>(q.integer(0));
  }
  if (version > kSchemaVersion) {
    throw StoreError("database schema version " + std::to_string(version) +
                     " is newer than this server's " + std::to_string(kSchemaVersion));
  }
  if (version == kSchemaVersion) return;
  exec("BEGIN IMMEDIATE");
  try {
    // Migrations run in order from the stored version; version 1 is the first schema.
    if (version < 1) {
      for (const char* sql : kSchemaV1) exec(sql);
    }
    if (version < 2) {
      for (const char* sql : kSchemaV2) exec(sql);
    }
    exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void SqliteCallStore::setUpEncryption(const Options& options) {
  std::optional<std::string> mode, salt, check;
  {
    Stmt q(db_, "SELECT key, value FROM meta");
    while (q.step()) {
      std::string k = q.bytes(0);
      if (k == "encryption") mode = q.bytes(1);
      if (k == "kdf_salt") salt = q.bytes(1);
      if (k == "key_check") check = q.bytes(1);
    }
  }
  if (!mode) {
    // New database: record the mode chosen now.
    exec("BEGIN IMMEDIATE");
    try {
      Stmt put(db_, "INSERT INTO meta(key, value) VALUES (?, ?)");
      if (options.db_key.empty()) {
        put.text(1, "encryption").blob(2, "none").run();
      } else {
        std::string new_salt = randomBytes(16);
        cipher_ = FieldCipher::derive(options.db_key, new_salt, options.pbkdf2_iterations);
        put.text(1, "encryption").blob(2, "aes-256-gcm").run();
        Stmt put2(db_, "INSERT INTO meta(key, value) VALUES (?, ?)");
        put2.text(1, "kdf_salt").blob(2, new_salt).run();
        Stmt put3(db_, "INSERT INTO meta(key, value) VALUES (?, ?)");
        put3.text(1, "key_check").blob(2, cipher_->seal(kKeyCheckPlain, kKeyCheckPlace)).run();
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      cipher_.reset();
      throw;
    }
  } else if (*mode == "none") {
    if (!options.db_key.empty()) {
      throw StoreError(
          "the call database was created without encryption; refusing to mix plaintext and "
          "encrypted rows (use a new --db file with --db-key)");
    }
  } else if (*mode == "aes-256-gcm") {
    if (options.db_key.empty()) {
      throw StoreError("the call database is encrypted: --db-key / SFU_DB_KEY is required");
    }
    if (!salt || !check) throw StoreError("the call database's encryption metadata is missing");
    cipher_ = FieldCipher::derive(options.db_key, *salt, options.pbkdf2_iterations);
    auto plain = cipher_->open(*check, kKeyCheckPlace);
    if (!plain || *plain != kKeyCheckPlain) {
      cipher_.reset();
      throw StoreError("wrong --db-key for the call database");
    }
  } else {
    throw StoreError("unknown encryption mode in the call database: " + *mode);
  }
  if (!cipher_) {
    SFU_LOG_WARN("store",
                 "call history stored without encryption at rest; set --db-key to encrypt "
                 "path={}",
                 options.path);
  }
}

std::string SqliteCallStore::sealValue(const std::string& value, const std::string& place) const {
  return cipher_ ? cipher_->seal(value, place) : value;
}

std::string SqliteCallStore::openValue(const std::string& stored, const std::string& place) const {
  if (!cipher_) return stored;
  auto plain = cipher_->open(stored, place);
  if (!plain) throw StoreError("cannot decrypt a value of " + place);
  return *plain;
}

std::string SqliteCallStore::userKey(const std::string& user_id) const {
  return cipher_ ? cipher_->lookupHash(user_id) : user_id;
}

void SqliteCallStore::saveCall(const CallRecord& call) {
  exec("BEGIN IMMEDIATE");
  try {
    Stmt up(db_,
            "INSERT INTO calls(id, type, mode, caller, status, group_id, started_at, answered_at,"
            " ended_at, duration) VALUES (?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET type=excluded.type, mode=excluded.mode,"
            " caller=excluded.caller, status=excluded.status, group_id=excluded.group_id,"
            " started_at=excluded.started_at, answered_at=excluded.answered_at,"
            " ended_at=excluded.ended_at, duration=excluded.duration");
    up.text(1, call.call_id).text(2, call.type).text(3, call.mode);
    up.blob(4, sealValue(call.caller_id, "calls.caller|" + call.call_id));
    up.text(5, call.status);
    if (call.group_id) {
      up.blob(6, sealValue(*call.group_id, "calls.group_id|" + call.call_id));
    } else {
      up.null(6);
    }
    up.integer(7, call.started_at_ms).optInteger(8, call.answered_at_ms);
    up.optInteger(9, call.ended_at_ms).optReal(10, call.duration_s);
    up.run();
    Stmt del(db_, "DELETE FROM participants WHERE call_id = ?");
    del.text(1, call.call_id).run();
    int pos = 0;
    for (const auto& p : call.participants) {
      Stmt ins(db_,
               "INSERT INTO participants(call_id, user_key, user_id, position, status, invited_at,"
               " joined_at, left_at) VALUES (?,?,?,?,?,?,?,?)");
      ins.text(1, call.call_id).blob(2, userKey(p.user_id));
      ins.blob(3, sealValue(p.user_id, "participants.user_id|" + call.call_id));
      ins.integer(4, pos++).text(5, p.status).optInteger(6, p.invited_at_ms);
      ins.optInteger(7, p.joined_at_ms).optInteger(8, p.left_at_ms);
      ins.run();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<CallRecord> SqliteCallStore::findCall(const std::string& call_id) {
  Stmt q(db_,
         "SELECT id, type, mode, caller, status, group_id, started_at, answered_at, ended_at,"
         " duration FROM calls WHERE id = ?");
  q.text(1, call_id);
  if (!q.step()) return std::nullopt;
  CallRecord c;
  c.call_id = q.bytes(0);
  c.type = q.bytes(1);
  c.mode = q.bytes(2);
  c.caller_id = openValue(q.bytes(3), "calls.caller|" + c.call_id);
  c.status = q.bytes(4);
  if (!q.isNull(5)) c.group_id = openValue(q.bytes(5), "calls.group_id|" + c.call_id);
  c.started_at_ms = q.integer(6);
  c.answered_at_ms = q.optInteger(7);
  c.ended_at_ms = q.optInteger(8);
  c.duration_s = q.optReal(9);
  Stmt ps(db_,
          "SELECT user_id, status, invited_at, joined_at, left_at FROM participants"
          " WHERE call_id = ? ORDER BY position");
  ps.text(1, c.call_id);
  while (ps.step()) {
    ParticipantRecord p;
    p.user_id = openValue(ps.bytes(0), "participants.user_id|" + c.call_id);
    p.status = ps.bytes(1);
    p.invited_at_ms = ps.optInteger(2);
    p.joined_at_ms = ps.optInteger(3);
    p.left_at_ms = ps.optInteger(4);
    c.participants.push_back(std::move(p));
  }
  return c;
}

std::vector<CallRecord> SqliteCallStore::loadCalls(Stmt& ids) {
  std::vector<std::string> list;
  while (ids.step()) list.push_back(ids.bytes(0));
  std::vector<CallRecord> out;
  out.reserve(list.size());
  for (const auto& id : list) {
    if (auto c = findCall(id)) out.push_back(std::move(*c));
  }
  return out;
}

std::vector<CallRecord> SqliteCallStore::activeCallsFor(const std::string& user_id) {
  Stmt q(db_,
         "SELECT c.id FROM calls c JOIN participants p ON p.call_id = c.id"
         " WHERE p.user_key = ? AND c.status IN ('ringing', 'active')"
         " ORDER BY c.started_at DESC, c.id DESC");
  q.blob(1, userKey(user_id));
  return loadCalls(q);
}

HistoryPage SqliteCallStore::historyFor(const std::string& user_id, int limit, int offset) {
  HistoryPage page;
  std::string key = userKey(user_id);
  {
    Stmt n(db_, "SELECT COUNT(*) FROM participants WHERE user_key = ?");
    n.blob(1, key);
    if (n.step()) page.total = n.integer(0);
  }
  Stmt q(db_,
         "SELECT c.id FROM calls c JOIN participants p ON p.call_id = c.id WHERE p.user_key = ?"
         " ORDER BY c.started_at DESC, c.id DESC LIMIT ? OFFSET ?");
  q.blob(1, key).integer(2, limit).integer(3, offset);
  page.calls = loadCalls(q);
  return page;
}

std::vector<CallRecord> SqliteCallStore::liveCalls() {
  Stmt q(db_,
         "SELECT id FROM calls WHERE status IN ('ringing', 'active') ORDER BY started_at DESC");
  return loadCalls(q);
}

void SqliteCallStore::addQualityReport(const QualityReport& r) {
  nlohmann::json body = {{"user_id", r.user_id}, {"issues", r.issues}};
  if (r.video_quality) body["video_quality"] = *r.video_quality;
  if (r.audio_quality) body["audio_quality"] = *r.audio_quality;
  if (r.connection_quality) body["connection_quality"] = *r.connection_quality;
  Stmt ins(db_,
           "INSERT INTO quality_reports(call_id, user_key, body, created_at) VALUES (?,?,?,?)");
  ins.text(1, r.call_id).blob(2, userKey(r.user_id));
  ins.blob(3, sealValue(body.dump(), "quality_reports.body|" + r.call_id));
  ins.integer(4, r.created_at_ms).run();
}

std::vector<QualityReport> SqliteCallStore::qualityReports(const std::string& call_id) {
  Stmt q(db_, "SELECT body, created_at FROM quality_reports WHERE call_id = ? ORDER BY id");
  q.text(1, call_id);
  std::vector<QualityReport> out;
  while (q.step()) {
    auto body = nlohmann::json::parse(openValue(q.bytes(0), "quality_reports.body|" + call_id),
                                      nullptr, false);
    if (!body.is_object()) throw StoreError("corrupt quality report");
    QualityReport r;
    r.call_id = call_id;
    r.user_id = body.value("user_id", "");
    for (const char* k : {"video_quality", "audio_quality", "connection_quality"}) {
      if (body.contains(k) && body[k].is_string()) {
        auto v = body[k].get<std::string>();
        if (std::string_view(k) == "video_quality") r.video_quality = v;
        if (std::string_view(k) == "audio_quality") r.audio_quality = v;
        if (std::string_view(k) == "connection_quality") r.connection_quality = v;
      }
    }
    if (body.contains("issues") && body["issues"].is_array()) {
      for (const auto& i : body["issues"]) {
        if (i.is_string()) r.issues.push_back(i.get<std::string>());
      }
    }
    r.created_at_ms = q.integer(1);
    out.push_back(std::move(r));
  }
  return out;
}

void SqliteCallStore::saveMediaStats(const std::string& call_id, const std::string& json,
                                     int64_t at_ms) {
  Stmt ins(db_,
           "INSERT INTO media_stats(call_id, body, updated_at) VALUES (?,?,?)"
           " ON CONFLICT(call_id) DO UPDATE SET body = excluded.body,"
           " updated_at = excluded.updated_at");
  ins.text(1, call_id).blob(2, sealValue(json, "media_stats.body|" + call_id));
  ins.integer(3, at_ms).run();
}

std::optional<std::string> SqliteCallStore::mediaStats(const std::string& call_id) {
  Stmt q(db_, "SELECT body FROM media_stats WHERE call_id = ?");
  q.text(1, call_id);
  if (!q.step()) return std::nullopt;
  return openValue(q.bytes(0), "media_stats.body|" + call_id);
}

bool SqliteCallStore::writable() {
  // Takes the write lock and gives it back at once; waits a short while only, unlike writes.
  sqlite3_busy_timeout(db_, 200);
  bool ok = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (ok) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_busy_timeout(db_, 5000);
  if (!ok) SFU_LOG_WARN("store", "not writable error=\"{}\"", sqlite3_errmsg(db_));
  return ok;
}

}  // namespace signaling::store
