// unit_writer: one member's WebSocket on one unit of a test_server, for tests that script a unit's
// record: text pushed at the field's head (appended, or replacing a stretch), commands and values,
// each waited for until the server has committed it. Writers of the same unit share the maps of
// field versions and lengths.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "support/test_server.hpp"
#include "text/change_set.hpp"

namespace coplan::test_support {

class unit_writer {
public:
  unit_writer(unsigned short port, const std::string& unit, const std::string& user, std::map<std::string, std::uint64_t>& versions,
              std::map<std::string, std::int64_t>& lengths)
      : id_("w-" + user + "-" + unit.substr(0, 6)), versions_(versions), lengths_(lengths) {
    if (!c_.connect("127.0.0.1", port, "/api/units/" + unit + "/ws", sign_in(port, user))) throw std::runtime_error("refused");
    c_.hello(id_);
  }
  void append(const std::string& stream, const std::u16string& text) {
    auto len = lengths_[stream];
    replace(stream, len, len, text);
  }
  // Replaces [from, to) of the field (UTF-16 units) with `text`.
  void replace(const std::string& stream, std::int64_t from, std::int64_t to, const std::u16string& text) {
    auto change = text::change_set::replace(lengths_[stream], from, to, text);
    c_.send(nlohmann::json{{"type", "push"}, {"stream", stream}, {"version", versions_[stream]},
                           {"updates", nlohmann::json::array({{{"clientID", id_}, {"seq", ++seq_}, {"changes", change.to_json()}}})}});
    auto r = c_.expect("pushed");
    ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
    versions_[stream]++;
    lengths_[stream] += static_cast<std::int64_t>(text.size()) - (to - from);
  }
  void cmd(nlohmann::json cmd) {
    c_.send(nlohmann::json{{"type", "cmd"}, {"clientID", id_}, {"seq", ++seq_}, {"cmd", cmd}});
    for (;;) {
      auto m = c_.expect("cmd");
      if (m["clientID"] == id_ && m["seq"] == seq_) break;
    }
  }
  void set(const std::string& field, nlohmann::json value, const std::string& block = "unit") {
    cmd({{"op", "set"}, {"block", block}, {"field", field}, {"value", std::move(value)}});
  }

private:
  client::ws_client c_;
  std::string id_;
  std::uint64_t seq_ = 0;
  std::map<std::string, std::uint64_t>& versions_;
  std::map<std::string, std::int64_t>& lengths_;
};

}  // namespace coplan::test_support
