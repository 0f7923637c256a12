#include "signaling/calls/call_json.h"

#include <cctype>
#include <ctime>
#include <unordered_set>

#include "signaling/api/call_api.h"

namespace signaling::calls {
namespace {

constexpr size_t kMaxIdLength = 256;  // as for JWT user ids
constexpr size_t kMaxIssues = 16;
constexpr size_t kMaxIssueLength = 64;

[[noreturn]] void badRequest(const std::string& message) {
  throw ApiError(400, "bad_request", message);
}

nlohmann::json isoOrNull(const std::optional<int64_t>& ms) {
  return ms ? nlohmann::json(isoUtc(*ms)) : nlohmann::json(nullptr);
}

bool validId(const std::string& s) {
  if (s.empty() || s.size() > kMaxIdLength) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;  // no control characters
  }
  return true;
}

}  // namespace

bool isReservedUserId(std::string_view id) { return id == "sfu" || id == "echo"; }

std::string isoUtc(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double callDuration(const store::CallRecord& c, int64_t now_ms) {
  if (c.duration_s) return *c.duration_s;
  if (!c.answered_at_ms) return 0.0;
  int64_t end = c.ended_at_ms.value_or(now_ms);
  return end > *c.answered_at_ms ? static_cast<double>(end - *c.answered_at_ms) / 1000.0 : 0.0;
}

nlohmann::json callToJson(const store::CallRecord& c, int64_t now_ms) {
  nlohmann::json ids = nlohmann::json::array();
  nlohmann::json states = nlohmann::json::array();
  for (const auto& p : c.participants) {
    ids.push_back(p.user_id);
    states.push_back({{"user_id", p.user_id},
                      {"status", p.status},
                      {"invited_at", isoOrNull(p.invited_at_ms)},
                      {"joined_at", isoOrNull(p.joined_at_ms)},
                      {"left_at", isoOrNull(p.left_at_ms)}});
  }
  return {{"call_id", c.call_id},
          {"type", c.type},
          {"mode", c.mode},
          {"caller_id", c.caller_id},
          {"participants", std::move(ids)},
          {"status", c.status},
          {"group_id", c.group_id ? nlohmann::json(*c.group_id) : nlohmann::json(nullptr)},
          {"started_at", isoUtc(c.started_at_ms)},
          {"answered_at", isoOrNull(c.answered_at_ms)},
          {"ended_at", isoOrNull(c.ended_at_ms)},
          {"duration", callDuration(c, now_ms)},
          {"participant_states", std::move(states)}};
}

nlohmann::json reportToJson(const store::QualityReport& r) {
  auto opt = [](const std::optional<std::string>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"call_id", r.call_id},
          {"user_id", r.user_id},
          {"video_quality", opt(r.video_quality)},
          {"audio_quality", opt(r.audio_quality)},
          {"connection_quality", opt(r.connection_quality)},
          {"issues", r.issues},
          {"created_at", isoUtc(r.created_at_ms)}};
}

InitiateRequest parseInitiate(const nlohmann::json& body, const std::string& caller,
                              unsigned max_participants) {
  if (!body.is_object()) badRequest("Request body must be a JSON object");
  InitiateRequest req;
  auto type = body.find("type");
  if (type == body.end() || !type->is_string() || (*type != "audio" && *type != "video")) {
    badRequest("type must be \"audio\" or \"video\"");
  }
  req.type = type->get<std::string>();
  auto parts = body.find("participants");
  if (parts == body.end() || !parts->is_array()) badRequest("participants must be an array");
  if (parts->size() > 4 * static_cast<size_t>(max_participants) + 8) {
    badRequest("Too many participants");
  }
  std::unordered_set<std::string> seen{caller};
  req.participants.push_back(caller);
  for (const auto& p : *parts) {
    // Numeric ids are common in existing backends: accept integers as their decimal text.
    std::string id;
    if (p.is_string()) {
      id = p.get<std::string>();
    } else if (p.is_number_integer()) {
      id = p.dump();
    } else {
      badRequest("participants must be user id strings");
    }
    if (!validId(id) || isReservedUserId(id)) badRequest("Invalid participant id");
    if (seen.insert(id).second) req.participants.push_back(id);
  }
  if (req.participants.size() < 2) badRequest("At least one other participant is required");
  if (req.participants.size() > max_participants) {
    badRequest("Too many participants: at most " + std::to_string(max_participants) +
               " including the caller");
  }
  if (auto g = body.find("group_id"); g != body.end() && !g->is_null()) {
    std::string gid;
    if (g->is_string()) {
      gid = g->get<std::string>();
    } else if (g->is_number_integer()) {
      gid = g->dump();
    } else {
      badRequest("group_id must be a string");
    }
    if (!gid.empty()) {
      if (!validId(gid)) badRequest("Invalid group_id");
      req.group_id = gid;
    }
  }
  return req;
}

bool parseAnswer(const nlohmann::json& body) {
  if (!body.is_object()) badRequest("Request body must be a JSON object");
  auto a = body.find("answer");
  if (a == body.end() || !a->is_boolean()) badRequest("answer must be true or false");
  return a->get<bool>();
}

void parseQuality(const nlohmann::json& body, store::QualityReport& report) {
  if (!body.is_object()) badRequest("Request body must be a JSON object");
  auto level = [&](const char* key) -> std::optional<std::string> {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string() || (*it != "good" && *it != "fair" && *it != "poor")) {
      badRequest(std::string(key) + " must be \"good\", \"fair\" or \"poor\"");
    }
    return it->get<std::string>();
  };
  report.video_quality = level("video_quality");
  report.audio_quality = level("audio_quality");
  report.connection_quality = level("connection_quality");
  report.issues.clear();
  if (auto it = body.find("issues"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) badRequest("issues must be an array of strings");
    if (it->size() > kMaxIssues) badRequest("Too many issues");
    for (const auto& i : *it) {
      if (!i.is_string()) badRequest("issues must be an array of strings");
      auto s = i.get<std::string>();
      if (s.empty() || s.size() > kMaxIssueLength) badRequest("Invalid issue");
      for (unsigned char c : s) {
        if (!(std::isalnum(c) || c == '_' || c == '-' || c == ' ')) badRequest("Invalid issue");
      }
      report.issues.push_back(std::move(s));
    }
  }
  if (!report.video_quality && !report.audio_quality && !report.connection_quality &&
      report.issues.empty()) {
    badRequest("Empty quality report");
  }
}

std::optional<std::string> sdpOf(const nlohmann::json& d) {
  if (d.is_string()) {
    auto s = d.get<std::string>();
    if (!s.empty()) return s;
    return std::nullopt;
  }
  if (d.is_object()) {
    auto it = d.find("sdp");
    if (it != d.end() && it->is_string() && !it->get<std::string>().empty()) {
      return it->get<std::string>();
    }
  }
  return std::nullopt;
}

std::vector<sfu::TrackSource> parseTracks(const nlohmann::json& data) {
  std::vector<sfu::TrackSource> out;
  auto it = data.find("tracks");
  if (it == data.end() || it->is_null()) return out;
  if (!it->is_array() || it->size() > 32) badRequest("tracks must be an array of {mid, source}");
  for (const auto& t : *it) {
    if (!t.is_object()) badRequest("tracks must be an array of {mid, source}");
    auto mid = t.find("mid");
    auto src = t.find("source");
    if (mid == t.end() || src == t.end() || !src->is_string()) {
      badRequest("tracks must be an array of {mid, source}");
    }
    std::string mid_s;
    if (mid->is_string()) {
      mid_s = mid->get<std::string>();
    } else if (mid->is_number_integer()) {
      mid_s = mid->dump();
    } else {
      badRequest("track mid must be a string");
    }
    auto s = src->get<std::string>();
    if (s != "microphone" && s != "camera" && s != "screen" && s != "screen_audio") {
      badRequest("track source must be microphone, camera, screen or screen_audio");
    }
    out.push_back({std::move(mid_s), std::move(s)});
  }
  return out;
}

std::optional<std::string> stringField(const nlohmann::json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end()) return std::nullopt;
  if (it->is_string() && !it->get<std::string>().empty()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return std::nullopt;
}

}  // namespace signaling::calls
