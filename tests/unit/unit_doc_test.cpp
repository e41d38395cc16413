// Tests for unit_doc: pushes at the head, stale and future versions, atomic multi-update pushes,
// structure commands and their errors, JSON round trip, and an in-process trace replay.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "support/traces.hpp"
#include "support/code_of.hpp"
#include "text/coded_error.hpp"
#include "text/utf16.hpp"
#include "unit/unit_doc.hpp"

using namespace coplan;
using namespace coplan::unit;
using coplan::test_support::code_of;
using nlohmann::json;

namespace {

std::shared_ptr<const template_spec> ubd() {
  static auto t = template_spec::load_file(std::string(COPLAN_SOURCE_DIR) + "/templates/ubd.json");
  return t;
}

incoming_update insert(std::int64_t len, std::int64_t at, const std::u16string& s, const std::string& client = "c") {
  return {client, 0, text::change_set::replace(len, at, at, s), ""};
}

}  // namespace

TEST(UnitDoc, PushAtHeadAppliesAndStampsAuthor) {
  unit_doc d(ubd(), {});
  std::vector<std::shared_ptr<const text_update>> acc;
  EXPECT_EQ(d.push("unit.goals", 0, {insert(0, 0, u"hello")}, 7, 1000, acc), unit_doc::push_outcome::applied);
  ASSERT_EQ(acc.size(), 1u);
  EXPECT_EQ(acc[0]->author, 7u);
  EXPECT_EQ(acc[0]->version, 0u);
  EXPECT_EQ(d.find_stream("unit.goals")->version, 1u);
  EXPECT_EQ(d.find_stream("unit.goals")->text.to_utf8(), "hello");
  EXPECT_EQ(d.find_stream("unit.goals")->authors.length_by(7), 5u);
}

TEST(UnitDoc, StalePushChangesNothingWhenRebasingIsOffAndFutureVersionIsAnError) {
  unit_limits no_rebase;
  no_rebase.rebase_stale = false;
  unit_doc d(ubd(), no_rebase);
  std::vector<std::shared_ptr<const text_update>> acc;
  d.push("unit.goals", 0, {insert(0, 0, u"a")}, 1, 0, acc);
  EXPECT_EQ(d.push("unit.goals", 0, {insert(0, 0, u"b")}, 2, 0, acc), unit_doc::push_outcome::stale);
  EXPECT_EQ(code_of([&] { d.push("unit.goals", 5, {insert(1, 0, u"b")}, 2, 0, acc); }), "bad_version");
  EXPECT_EQ(code_of([&] { d.push("unit.nope", 0, {insert(0, 0, u"b")}, 2, 0, acc); }), "unknown_stream");
  EXPECT_EQ(d.find_stream("unit.goals")->text.to_utf8(), "a");
  EXPECT_EQ(d.find_stream("unit.goals")->version, 1u);
}

TEST(UnitDoc, StalePushIsRebasedLikeCodeMirrorAndNeverAppliedTwice) {
  unit_doc d(ubd(), {});
  std::vector<std::shared_ptr<const text_update>> acc;
  d.push("unit.goals", 0, {insert(0, 0, u"abcd", "a")}, 1, 0, acc);
  // B and C both typed on version 1; C's push arrives second and is rebased over B's.
  d.push("unit.goals", 1, {insert(4, 2, u"B", "b")}, 2, 0, acc);
  EXPECT_EQ(d.push("unit.goals", 1, {insert(4, 2, u"C", "c")}, 3, 0, acc), unit_doc::push_outcome::applied);
  EXPECT_EQ(d.find_stream("unit.goals")->text.to_utf8(), "abBCcd");
  EXPECT_EQ(d.find_stream("unit.goals")->version, 3u);
  // A client re-sends two updates after a reconnect; the first was already accepted (version 3).
  d.push("unit.goals", 3, {insert(6, 6, u"1", "c")}, 3, 0, acc);
  acc.clear();
  std::vector<incoming_update> again{insert(6, 6, u"1", "c"), insert(7, 7, u"2", "c")};
  EXPECT_EQ(d.push("unit.goals", 3, std::move(again), 3, 0, acc), unit_doc::push_outcome::applied);
  ASSERT_EQ(acc.size(), 1u);
  EXPECT_EQ(d.find_stream("unit.goals")->text.to_utf8(), "abBCcd12");
  // Everything already there: nothing applied, nothing refused.
  acc.clear();
  EXPECT_EQ(d.push("unit.goals", 3, {insert(6, 6, u"1", "c")}, 3, 0, acc), unit_doc::push_outcome::applied);
  EXPECT_TRUE(acc.empty());
  // A stale push whose lengths do not fit its version is an error, not a guess.
  EXPECT_EQ(code_of([&] { d.push("unit.goals", 1, {insert(9, 0, u"x", "d")}, 3, 0, acc); }), "length_mismatch");
}

// rebase() maps the pending changes into reused buffers (no change set moved per step). It must
// give exactly what the plain form gives (each pending change mapped over each update in turn,
// the client's own updates confirming the head of its queue), which tests/web/changeset-diff
// checks against @codemirror/collab; here also with the client's own updates arriving between
// other clients' ones, as after a reconnect.
TEST(UnitDoc, RebaseIntoReusedBuffersEqualsMappingStepByStep) {
  auto reference = [](std::vector<incoming_update>& updates, const std::vector<std::shared_ptr<const text_update>>& over) {
    for (const auto& o : over) {
      if (updates.empty()) return;
      if (updates.front().client_id == o->client_id) {
        updates.erase(updates.begin());
        continue;
      }
      text::change_set theirs = o->changes;
      for (auto& u : updates) {
        auto mapped = u.changes.map(theirs);
        theirs = theirs.map(u.changes, true);
        u.changes = std::move(mapped);
      }
    }
  };
  std::mt19937 rng(11);
  auto random_changes = [&](std::int64_t len) {
    auto from = static_cast<std::int64_t>(rng() % static_cast<std::uint32_t>(len + 1));
    auto to = from + static_cast<std::int64_t>(rng() % static_cast<std::uint32_t>(len - from + 1));
    std::u16string ins(rng() % 3, u'a' + static_cast<char16_t>(rng() % 3));
    if (from == to && ins.empty()) ins = u"q";
    return text::change_set::replace(len, from, to, ins);
  };
  int confirmations_after_others = 0;
  for (int round = 0; round < 20'000; ++round) {
    auto base = static_cast<std::int64_t>(rng() % 12);
    std::vector<incoming_update> mine;
    for (auto len = base, k = 1 + static_cast<std::int64_t>(rng() % 4); k > 0; --k) {
      auto c = random_changes(len);
      len = c.new_length();
      mine.push_back({"x", 0, std::move(c), "stale"});
    }
    // What the server accepted since: other clients' updates and, at any point, the head of x's
    // queue (as the reference holds it then: rebased over everything before it).
    std::vector<std::shared_ptr<const text_update>> over;
    auto pending = mine;
    auto server_len = base;
    bool other_seen = false;
    for (int k = static_cast<int>(rng() % 7); k > 0; --k) {
      auto u = std::make_shared<text_update>();
      if (!pending.empty() && rng() % 3 == 0) {
        u->client_id = "x";
        u->changes = pending.front().changes;
        confirmations_after_others += other_seen;
      } else {
        u->client_id = rng() % 2 ? "y" : "z";
        u->changes = random_changes(server_len);
        other_seen = true;
      }
      server_len = u->changes.new_length();
      over.push_back(u);
      reference(pending, {u});
    }
    auto got = mine;
    unit_doc::rebase(got, over);
    ASSERT_EQ(got.size(), pending.size()) << "round " << round;
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].changes.to_json_text(), pending[i].changes.to_json_text()) << "round " << round << " update " << i;
      // A rebased update's stored form is rewritten from its changes; one left as sent keeps it.
      bool moved = !(got[i].changes == mine[mine.size() - got.size() + i].changes);
      if (moved) {
        EXPECT_TRUE(got[i].changes_json.empty());
      }
    }
  }
  EXPECT_GT(confirmations_after_others, 1000);
}

TEST(UnitDoc, MultiUpdatePushIsAtomic) {
  unit_doc d(ubd(), {});
  std::vector<std::shared_ptr<const text_update>> acc;
  d.push("unit.goals", 0, {insert(0, 0, u"a😀b")}, 1, 0, acc);
  // First update is fine, the second splits the emoji: nothing at all may change.
  std::vector<incoming_update> ups{insert(4, 4, u"xyz"), insert(7, 2, u"!")};
  EXPECT_EQ(code_of([&] { d.push("unit.goals", 1, std::move(ups), 2, 0, acc); }), "split_surrogate");
  EXPECT_EQ(d.find_stream("unit.goals")->text.to_utf8(), "a😀b");
  EXPECT_EQ(d.find_stream("unit.goals")->version, 1u);
  EXPECT_EQ(d.find_stream("unit.goals")->authors.total(), 4u);
  // Wrong length in the middle of a push.
  std::vector<incoming_update> bad{insert(4, 0, u"x"), insert(4, 0, u"y")};
  EXPECT_EQ(code_of([&] { d.push("unit.goals", 1, std::move(bad), 2, 0, acc); }), "length_mismatch");
  EXPECT_EQ(d.find_stream("unit.goals")->text.to_utf8(), "a😀b");
}

// Regression (found by fuzz/change_set_fuzz): a stale push is rebased before it is checked
// against the document, and mapping a change set of the wrong length over the updates since
// looped forever, hanging the unit's strand. It is now refused with length_mismatch.
TEST(UnitDoc, StalePushOfTheWrongLengthIsRefusedInsteadOfHangingTheRebase) {
  unit_doc d(ubd(), {});
  std::vector<std::shared_ptr<const text_update>> acc;
  d.push("unit.goals", 0, {insert(0, 0, u"abc", "a")}, 1, 0, acc);
  d.push("unit.goals", 1, {{"a", 0, text::change_set::replace(3, 0, 3, u""), ""}}, 1, 0, acc);
  // Made at version 1 (length 3) but only 1 long.
  EXPECT_EQ(code_of([&] { d.push("unit.goals", 1, {{"b", 0, text::change_set::replace(1, 0, 1, u"new"), ""}}, 2, 0, acc); }),
            "length_mismatch");
  EXPECT_EQ(d.find_stream("unit.goals")->version, 2u);
  EXPECT_EQ(d.find_stream("unit.goals")->text.to_utf8(), "");
}

TEST(UnitDoc, FieldLengthLimit) {
  unit_limits lim;
  lim.max_field_length = 10;
  unit_doc d(ubd(), lim);
  std::vector<std::shared_ptr<const text_update>> acc;
  EXPECT_EQ(code_of([&] { d.push("unit.goals", 0, {insert(0, 0, u"01234567890")}, 1, 0, acc); }), "too_large");
  EXPECT_EQ(d.find_stream("unit.goals")->version, 0u);
}

TEST(UnitDoc, LessonCommandsAndTombstones) {
  unit_doc d(ubd(), {});
  auto cmd = [](json j) { return command::from_json(j); };
  d.apply(cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}}), "c", 1, 1, 0);
  d.apply(cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson2"}, {"after", "lesson1"}}), "c", 2, 1, 0);
  d.apply(cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson3"}, {"after", nullptr}}), "c", 3, 2, 0);
  auto order = [&] {
    std::string s;
    for (const auto& l : d.list("lessons")) s += l.id.back() + std::string(l.removed ? "x" : "") + " ";
    return s;
  };
  EXPECT_EQ(order(), "3 1 2 ");
  d.apply(cmd({{"op", "move_block"}, {"id", "lesson3"}, {"after", "lesson2"}}), "c", 4, 1, 0);
  EXPECT_EQ(order(), "1 2 3 ");
  EXPECT_TRUE(d.find_stream("lesson2.title"));
  std::vector<std::shared_ptr<const text_update>> acc;
  d.push("lesson2.title", 0, {insert(0, 0, u"Intro")}, 1, 0, acc);
  d.apply(cmd({{"op", "remove_block"}, {"id", "lesson2"}}), "c", 5, 2, 0);
  EXPECT_EQ(order(), "1 2x 3 ");
  // The removed lesson's text is kept (tombstone), and commands on it are refused.
  EXPECT_EQ(d.find_stream("lesson2.title")->text.to_utf8(), "Intro");
  EXPECT_EQ(code_of([&] { d.apply(cmd({{"op", "set"}, {"block", "lesson2"}, {"field", "minutes"}, {"value", 5}}), "c", 6, 1, 0); }),
            "block_removed");
  EXPECT_EQ(code_of([&] { d.apply(cmd({{"op", "remove_block"}, {"id", "lesson2"}}), "c", 6, 1, 0); }), "block_removed");
  d.apply(cmd({{"op", "restore_block"}, {"id", "lesson2"}}), "c", 6, 1, 0);
  EXPECT_EQ(order(), "1 2 3 ");
  EXPECT_EQ(d.structure_version(), 6u);
}

TEST(UnitDoc, CommandErrorsChangeNothing) {
  unit_doc d(ubd(), {});
  auto apply = [&](json j) { return code_of([&] { d.apply(command::from_json(j), "c", 1, 1, 0); }); };
  d.apply(command::from_json({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}}), "c", 1, 1, 0);
  auto before = d.to_json();
  EXPECT_EQ(apply({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}}), "duplicate_id");
  EXPECT_EQ(apply({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson9"}, {"after", "nolesson"}}), "unknown_block");
  EXPECT_EQ(apply({{"op", "move_block"}, {"id", "lesson1"}, {"after", "lesson1"}}), "bad_command");
  EXPECT_EQ(apply({{"op", "restore_block"}, {"id", "lesson1"}}), "not_removed");
  EXPECT_EQ(apply({{"op", "set"}, {"block", "unit"}, {"field", "students"}, {"value", -3}}), "bad_value");
  EXPECT_EQ(apply({{"op", "set"}, {"block", "unit"}, {"field", "students"}, {"value", "many"}}), "bad_value");
  EXPECT_EQ(apply({{"op", "set"}, {"block", "unit"}, {"field", "start_date"}, {"value", "2026-13-01"}}), "bad_value");
  EXPECT_EQ(apply({{"op", "set"}, {"block", "unit"}, {"field", "aasl"}, {"value", {"I.A.9"}}}), "bad_value");
  EXPECT_EQ(apply({{"op", "set"}, {"block", "unit"}, {"field", "goals"}, {"value", "x"}}), "unknown_field");
  EXPECT_EQ(apply({{"op", "set"}, {"block", "lesson1"}, {"field", "begin_approach"}, {"value", "lecture"}}), "bad_value");
  EXPECT_EQ(apply({{"op", "explode"}}), "bad_command");
  EXPECT_EQ(apply({{"op", "add_block"}, {"list", "villains"}, {"id", "lesson7"}}), "unknown_list");
  EXPECT_EQ(apply({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson7"}, {"values", {{"minutes", 9999}}}}), "bad_value");
  EXPECT_EQ(apply({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson7"}, {"values", {{"title", "x"}}}}), "unknown_field");
  EXPECT_EQ(apply({{"op", "add_comment"}, {"id", "comment1"}, {"target", "nowhere"}, {"text", "hi"}}), "unknown_block");
  EXPECT_EQ(apply({{"op", "add_comment"}, {"id", "comment1"}, {"target", "stage1"}, {"text", "  "}}), "bad_command");
  EXPECT_EQ(apply({{"op", "add_comment"}, {"id", "comment1"}, {"target", "stage1"}, {"parent", "nope00"}, {"text", "hi"}}),
            "unknown_comment");
  EXPECT_EQ(apply({{"op", "resolve_comment"}, {"id", "nope00"}}), "unknown_comment");
  EXPECT_EQ(apply({{"op", "add_block"}, {"list", "lessons"}, {"id", "x"}}), "bad_command");
  EXPECT_EQ(d.to_json(), before);
}

TEST(UnitDoc, CommentsThreadAndResolve) {
  unit_doc d(ubd(), {});
  auto apply = [&](json j, std::uint32_t who) { d.apply(command::from_json(j), "c", 0, who, 100); };
  apply({{"op", "add_comment"}, {"id", "thread1"}, {"target", "stage1"}, {"text", "Are these the right goals?"}}, 1);
  apply({{"op", "add_comment"}, {"id", "reply01"}, {"target", "stage1"}, {"parent", "thread1"}, {"text", "Yes, with one more."}}, 2);
  EXPECT_THROW(apply({{"op", "add_comment"}, {"id", "reply02"}, {"target", "stage1"}, {"parent", "reply01"}, {"text", "x"}}, 1),
               coded_error);
  EXPECT_THROW(apply({{"op", "resolve_comment"}, {"id", "reply01"}}, 1), coded_error);
  apply({{"op", "resolve_comment"}, {"id", "thread1"}}, 2);
  ASSERT_EQ(d.comments().size(), 2u);
  EXPECT_TRUE(d.comments()[0].resolved);
  EXPECT_EQ(d.comments()[0].resolved_by, 2u);
  apply({{"op", "resolve_comment"}, {"id", "thread1"}, {"resolved", false}}, 1);
  EXPECT_FALSE(d.comments()[0].resolved);
  EXPECT_EQ(d.comments()[1].author, 2u);
}

TEST(UnitDoc, MemberFieldsTakeOnlyMembers) {
  unit_doc d(ubd(), {});
  d.set_members({1, 2});
  auto add = [&](json values) {
    return code_of([&] {
      d.apply(command::from_json({{"op", "add_block"}, {"list", "resources"}, {"id", "res" + std::to_string(values["curated_by"].get<int>()) + "xyz"}, {"values", values}}), "c", 0, 1, 0);
    });
  };
  EXPECT_EQ(add({{"curated_by", 2}, {"kind", "book"}}), "");
  EXPECT_EQ(add({{"curated_by", 3}}), "bad_value");
  EXPECT_EQ(d.list("resources").size(), 1u);
  EXPECT_TRUE(d.find_stream("res2xyz.title"));
}

TEST(UnitDoc, JsonRoundTripKeepsTextsRunsVersionsAndStructure) {
  unit_doc d(ubd(), {});
  std::vector<std::shared_ptr<const text_update>> acc;
  d.push("unit.goals", 0, {insert(0, 0, u"héllo 😀")}, 1, 0, acc);
  d.push("unit.goals", 1, {insert(8, 6, u"big ")}, 2, 0, acc);
  d.apply(command::from_json({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}}), "c", 1, 1, 0);
  d.apply(command::from_json({{"op", "set"}, {"block", "lesson1"}, {"field", "minutes"}, {"value", 45}}), "c", 2, 1, 0);
  auto j = d.to_json();
  auto back = unit_doc::from_json(ubd(), {}, json::parse(j.dump()));
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.find_stream("unit.goals")->text.to_utf8(), "héllo big 😀");
  // Regression (snapshot op count lost on reload): a restored unit keeps counting its ops from
  // where it was, so its snapshots and history checkpoints line up with the op log.
  EXPECT_EQ(back.total_ops(), d.total_ops());
  EXPECT_EQ(back.total_ops(), 4u);  // 2 pushes and 2 commands before the round trip
  EXPECT_EQ(back.find_stream("unit.goals")->authors.length_by(2), 4u);
}

// Snapshots are written by append_json_members, not by dumping to_json(): the same text, byte for
// byte, so the snapshot reads back as before.
TEST(UnitDoc, JsonMembersTextIsTheDumpOfToJson) {
  unit_doc d(ubd(), {});
  std::vector<std::shared_ptr<const text_update>> acc;
  d.push("unit.goals", 0, {insert(0, 0, u"h\u00e9llo \"q\" \\ \n\t\x01 😀")}, 1, 0, acc);
  d.push("unit.goals", 1, {insert(18, 8, u"big ")}, 2, 0, acc);
  d.push("unit.understandings", 0, {insert(0, 0, u"中文 text")}, 3, 0, acc);
  d.apply(command::from_json({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}}), "c", 1, 1, 0);
  d.push("lesson1.title", 0, {insert(0, 0, u"Day one")}, 2, 0, acc);
  std::string text = "{";
  d.append_json_members(text);
  text += "}";
  EXPECT_EQ(text, d.to_json().dump());
  EXPECT_EQ(unit_doc::from_json(ubd(), {}, json::parse(text)).to_json(), d.to_json());
}

// Regression (found by fuzz/unit_commands_fuzz): a removed tag stayed in the live unit, but not in
// its snapshot, so after a restart the unit accepted an add_tag (same id, or one more tag than the
// limit) that the live unit refused; replaying the op log from an older snapshot then failed.
TEST(UnitDoc, RemovedTagIsGoneAsInASnapshotSoARestoredUnitDecidesAlike) {
  unit_limits lim;
  lim.max_comments = 2;  // also the tag limit
  unit_doc d(ubd(), lim);
  auto apply = [](unit_doc& doc, json j) { return code_of([&] { doc.apply(command::from_json(j), "c", 1, 1, 0); }); };
  json tag{{"op", "add_tag"}, {"id", "tag-one"}, {"area", "inquiry"}, {"target", "stage2"}};
  json other{{"op", "add_tag"}, {"id", "tag-two"}, {"area", "content"}, {"target", "stage1"}};
  EXPECT_EQ(apply(d, tag), "");
  EXPECT_EQ(apply(d, other), "");
  EXPECT_EQ(apply(d, {{"op", "remove_tag"}, {"id", "tag-one"}}), "");
  auto restored = unit_doc::from_json(ubd(), lim, json::parse(d.to_json().dump()));
  EXPECT_EQ(apply(d, tag), apply(restored, tag));
  EXPECT_EQ(d.to_json(), restored.to_json());
  EXPECT_EQ(d.tags().size(), 2u);
  json third{{"op", "add_tag"}, {"id", "tag-333"}, {"area", "content"}, {"target", "stage1"}};
  EXPECT_EQ(apply(d, third), "too_large");
  EXPECT_EQ(apply(restored, third), "too_large");
}

// Regression (#5, the tag race): a passage tag's from/to were read in the server's text as it was
// when the command arrived, so a tag made before its author had received a partner's edit earlier
// in the field covered other words. The tag now says which field version its positions are in.
TEST(UnitDoc, APassageTagMadeBeforeAPartnersEditReachedTheTaggerCoversTheWordsSheChose) {
  unit_limits lim;
  lim.recent_kept = 2;  // versions 1 and 2 can still be carried to the head; 0 cannot
  unit_doc d(ubd(), lim);
  std::vector<std::shared_ptr<const text_update>> acc;
  const std::u16string sentence = u"Students test the creek water.";
  d.push("unit.goals", 0, {insert(0, 0, sentence)}, 1, 0, acc);  // version 1: the tagger has this
  d.push("unit.goals", 1, {insert(30, 0, u"In spring, ")}, 2, 0, acc);  // the partner's, unseen by her
  d.push("unit.goals", 2, {insert(41, 41, u" Then a report.")}, 2, 0, acc);  // after the passage
  auto apply = [&](json j) { return code_of([&] { d.apply(command::from_json(j), "c", 1, 1, 0); }); };
  const std::int64_t from = 18, to = 29;  // "creek water" in the text at version 1
  json tag{{"op", "add_tag"}, {"id", "tag-race"}, {"area", "content"}, {"target", "unit.goals"},
           {"from", from}, {"to", to}, {"version", 1}};
  auto text = [&] { return d.find_stream("unit.goals")->text.to_utf8(); };
  auto covered = [&](const tag_entry& t) { return text().substr(t.from, t.to - t.from); };  // ASCII text
  // Refused, nothing changed: a version the field has not reached, a version whose history is no
  // longer kept, a passage outside the text at its version, a version without a passage.
  EXPECT_EQ(apply({{"op", "add_tag"}, {"id", "tag-bad-1"}, {"area", "content"}, {"target", "unit.goals"},
                   {"from", from}, {"to", to}, {"version", 4}}), "bad_version");
  EXPECT_EQ(apply({{"op", "add_tag"}, {"id", "tag-bad-2"}, {"area", "content"}, {"target", "unit.goals"},
                   {"from", 0}, {"to", 0}, {"version", 0}}), "stale_version");
  EXPECT_EQ(apply({{"op", "add_tag"}, {"id", "tag-bad-3"}, {"area", "content"}, {"target", "unit.goals"},
                   {"from", 0}, {"to", 31}, {"version", 1}}), "bad_value");
  EXPECT_EQ(apply({{"op", "add_tag"}, {"id", "tag-bad-4"}, {"area", "content"}, {"target", "stage1"}, {"version", 1}}),
            "bad_command");
  EXPECT_TRUE(d.tags().empty());
  EXPECT_EQ(apply(tag), "");
  ASSERT_EQ(d.tags().size(), 1u);
  EXPECT_EQ(covered(d.tags()[0]), "creek water");
  // What is recorded (and broadcast) is the passage at the head, without a version, so replaying
  // the op log (or a client that has the head) needs no history.
  auto recorded = command::from_json(json::parse(d.apply(command::from_json({{"op", "add_tag"}, {"id", "tag-rec"},
      {"area", "inquiry"}, {"target", "unit.goals"}, {"from", 11}, {"to", 19}, {"version", 2}}), "c", 2, 1, 0)->cmd.to_json().dump()));
  EXPECT_EQ(recorded.version, -1);
  EXPECT_EQ(text().substr(recorded.from, recorded.to - recorded.from), "Students");
  // Without a version the positions are the head's, as before.
  EXPECT_EQ(apply({{"op", "add_tag"}, {"id", "tag-head"}, {"area", "content"}, {"target", "unit.goals"},
                   {"from", 0}, {"to", 9}}), "");
  EXPECT_EQ(covered(d.tags().back()), "In spring");
}

TEST(UnitDoc, ReplaysAutomergePaperTraceInProcess) {
  auto dir = test_support::traces_dir();
  if (!dir) GTEST_SKIP() << "editing traces not found";
  auto trace = test_support::read_trace(*dir + "/automerge-paper.json.gz");
  // Build the change sets first so the timing below is the apply path alone.
  std::vector<text::change_set> changes;
  std::int64_t len = 0;
  for (const auto& txn : trace["txns"])
    for (const auto& p : txn["patches"]) {
      auto pos = p[0].get<std::int64_t>(), del = p[1].get<std::int64_t>();
      auto ins = text::utf8_to_utf16(p[2].get<std::string>());
      changes.push_back(text::change_set::replace(len, pos, pos + del, ins));
      len += static_cast<std::int64_t>(ins.size()) - del;
    }
  unit_doc d(ubd(), {});
  std::vector<std::shared_ptr<const text_update>> acc;
  acc.reserve(changes.size());
  auto start = std::chrono::steady_clock::now();
  std::uint64_t v = 0;
  for (auto& c : changes) {
    std::vector<incoming_update> one(1);
    one[0].client_id = "trace";
    one[0].changes = std::move(c);
    one[0].changes_json = "[]";  // the wire form is not under test here
    d.push("unit.goals", v++, std::move(one), 1, 0, acc);
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(d.find_stream("unit.goals")->text.to_utf8(), trace["endContent"].get<std::string>());
  std::printf("[ trace   ] automerge-paper: %zu edits applied in-process in %.3f s (%.0f edits/s)\n", changes.size(),
              secs, static_cast<double>(changes.size()) / secs);
}
