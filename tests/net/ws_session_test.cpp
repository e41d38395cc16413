// ws_session tests over real sockets on port 0: what a client gets back for its push, frame by frame.
#include <gtest/gtest.h>

#include "support/test_server.hpp"
#include "text/change_set.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;

namespace {

// One push of one update inserting `text` at the start of unit.goals (of length `length`).
json goals_push(const std::string& client_id, std::uint64_t version, std::int64_t length, const std::u16string& text) {
  auto changes = text::change_set::replace(length, 0, 0, text);
  return {{"type", "push"},
          {"stream", "unit.goals"},
          {"version", version},
          {"updates", json::array({{{"clientID", client_id}, {"seq", version + 1}, {"changes", changes.to_json()}}})}};
}

// The frames `c` receives until one holds an `updates` message; each frame as an array of messages.
std::vector<json> frames_until_updates(client::ws_client& c) {
  std::vector<json> frames;
  for (;;) {
    auto raw = c.recv_raw();
    if (!raw) {
      ADD_FAILURE() << "no updates arrived";
      return frames;
    }
    auto frame = json::parse(*raw);
    frames.push_back(frame.is_array() ? frame : json::array({frame}));
    for (const auto& m : frames.back())
      if (m["type"] == "updates") return frames;
  }
}

}  // namespace

// An edit's updates and the `pushed` answering it reach the pusher in one delivery: a client that
// reads batches gets them in one frame, updates first (one write instead of two, per edit: the
// durable-throughput benchmark sends half as many frames). A client that does not read batches
// gets the same two messages in two frames, in the same order; the partner gets the updates alone.
TEST(WsSession, AnEditsUpdatesAndItsPushedAnswerGoOutTogether) {
  test_server ts;
  auto batched = ts.open_socket("lib");
  batched->send(json{{"type", "hello"}, {"clientID", "A"}, {"batch", true}});
  batched->expect("welcome");
  auto plain = ts.join("tea", "B");
  auto watcher = ts.join("lib", "C");

  for (std::uint64_t v = 0; v < 5; ++v) {
    batched->send(goals_push("A", v, static_cast<std::int64_t>(v), u"a"));
    auto frames = frames_until_updates(*batched);
    ASSERT_FALSE(frames.empty());
    // The frame may also hold an `online` notice queued before them; the two are last, together.
    const auto& last = frames.back();
    ASSERT_GE(last.size(), 2u) << last.dump();
    const auto& updates = last[last.size() - 2];
    EXPECT_EQ(updates["type"], "updates") << last.dump();
    EXPECT_EQ(updates["updates"][0]["clientID"], "A");
    EXPECT_EQ(last.back(), (json{{"type", "pushed"}, {"stream", "unit.goals"}, {"ok", true}, {"version", v + 1}}));
    EXPECT_EQ(plain->expect("updates")["updates"][0]["v"], v);
    EXPECT_EQ(watcher->expect("updates")["updates"][0]["v"], v);
  }

  plain->send(goals_push("B", 5, 5, u"b"));
  auto frames = frames_until_updates(*plain);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().size(), 1u) << "a client that did not ask for batches got one";
  EXPECT_EQ(frames.back()[0]["updates"][0]["clientID"], "B");
  auto next = plain->recv_raw();
  ASSERT_TRUE(next);
  EXPECT_EQ(json::parse(*next), (json{{"type", "pushed"}, {"stream", "unit.goals"}, {"ok", true}, {"version", 6}}));
  auto seen = frames_until_updates(*batched);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().back()["updates"][0]["clientID"], "B");
  EXPECT_EQ(watcher->expect("updates")["updates"][0]["clientID"], "B");
}
