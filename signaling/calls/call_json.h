// The wire shapes of the call API (spec/webrtc-call-guide.md and DESIGN.md "Wire details"):
// call objects, quality reports, timestamps, and validation of request bodies and socket payloads.
// Validation failures throw ApiError 400.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sfu/api/media_api.h"
#include "signaling/store/call_store.h"

namespace signaling::calls {

// "sfu" and "echo" name server endpoints in to_user_id / from_user_id: never a user.
bool isReservedUserId(std::string_view id);

// "2024-11-05T10:30:00Z" (ISO-8601, UTC, whole seconds).
std::string isoUtc(int64_t unix_ms);

// Seconds of talk time: answered → ended (or → now while active); 0 if never answered.
double callDuration(const store::CallRecord& c, int64_t now_ms);

// The call object: call_id, type, mode, caller_id, participants, status, group_id, started_at,
// answered_at, ended_at, duration, plus the `participant_states` extension.
nlohmann::json callToJson(const store::CallRecord& c, int64_t now_ms);

nlohmann::json reportToJson(const store::QualityReport& r);

struct InitiateRequest {
  std::string type;
  std::vector<std::string> participants;  // caller first, deduplicated
  std::optional<std::string> group_id;
};
// `max_participants` counts the caller.
InitiateRequest parseInitiate(const nlohmann::json& body, const std::string& caller,
                              unsigned max_participants);

bool parseAnswer(const nlohmann::json& body);

// Fills the enum fields and issues of `report` from the body.
void parseQuality(const nlohmann::json& body, store::QualityReport& report);

// An RTCSessionDescriptionInit {type, sdp} or a bare SDP string → the SDP text.
std::optional<std::string> sdpOf(const nlohmann::json& description);

// `tracks: [{mid, source}]` of a publish offer (absent → empty).
std::vector<sfu::TrackSource> parseTracks(const nlohmann::json& data);

// A field that must be a non-empty string (socket payloads): nullopt when missing or wrong type.
std::optional<std::string> stringField(const nlohmann::json& data, const char* key);

}  // namespace signaling::calls
