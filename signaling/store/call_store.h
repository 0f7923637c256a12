// Durable call history: the CallStore interface (so a networked database can replace SQLite later)
// and the records it keeps. Times are Unix milliseconds (UTC). All calls happen on the signaling
// thread; implementations throw StoreError on failure.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace signaling::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ParticipantRecord {
  std::string user_id;
  std::string status;  // invited | joined | rejected | missed | left
  std::optional<int64_t> invited_at_ms;
  std::optional<int64_t> joined_at_ms;
  std::optional<int64_t> left_at_ms;
  bool operator==(const ParticipantRecord&) const = default;
};

struct CallRecord {
  std::string call_id;
  std::string type;  // audio | video
  std::string mode;  // p2p | sfu
  std::string caller_id;
  std::string status;  // ringing | active | ended | rejected | missed
  std::optional<std::string> group_id;
  int64_t started_at_ms = 0;
  std::optional<int64_t> answered_at_ms;
  std::optional<int64_t> ended_at_ms;
  std::optional<double> duration_s;
  std::vector<ParticipantRecord> participants;  // in invitation order, caller first

  bool isLive() const { return status == "ringing" || status == "active"; }
  const ParticipantRecord* participant(const std::string& user_id) const;
  ParticipantRecord* participant(const std::string& user_id);
  bool operator==(const CallRecord&) const = default;
};

struct QualityReport {
  std::string call_id;
  std::string user_id;
  std::optional<std::string> video_quality;       // good | fair | poor
  std::optional<std::string> audio_quality;       // good | fair | poor
  std::optional<std::string> connection_quality;  // good | fair | poor
  std::vector<std::string> issues;
  int64_t created_at_ms = 0;
  bool operator==(const QualityReport&) const = default;
};

struct HistoryPage {
  std::vector<CallRecord> calls;  // newest first
  int64_t total = 0;
};

class CallStore {
 public:
  virtual ~CallStore() = default;
  // Inserts or replaces a call and its participant list, atomically and durably.
  virtual void saveCall(const CallRecord& call) = 0;
  virtual std::optional<CallRecord> findCall(const std::string& call_id) = 0;
  // Live calls (ringing/active) that list the user as a participant, newest first.
  virtual std::vector<CallRecord> activeCallsFor(const std::string& user_id) = 0;
  virtual HistoryPage historyFor(const std::string& user_id, int limit, int offset) = 0;
  // Every live call (start-up recovery after a crash).
  virtual std::vector<CallRecord> liveCalls() = 0;
  virtual void addQualityReport(const QualityReport& report) = 0;
  virtual std::vector<QualityReport> qualityReports(const std::string& call_id) = 0;
  // The SFU's last quality statistics of a group call (a JSON document), kept with the call's
  // quality reports; replaces an earlier one.
  virtual void saveMediaStats(const std::string& call_id, const std::string& json,
                              int64_t at_ms) = 0;
  virtual std::optional<std::string> mediaStats(const std::string& call_id) = 0;
  // Whether a write could start now (readiness probe): false when the database is read-only,
  // locked by another writer, or its file is gone.
  virtual bool writable() = 0;
};

}  // namespace signaling::store
