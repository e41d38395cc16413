// The demo partnership and its sample unit (see demo_seed.hpp). The text is original sample
// content written for Coplan.
#include "unit/demo_seed.hpp"

#include <chrono>
#include <future>

#include <nlohmann/json.hpp>

#include "text/utf16.hpp"

namespace coplan::unit {

namespace {

// Replays a scripted editing session into a unit_doc and collects the op log rows it produced.
class script {
public:
  script(std::shared_ptr<const template_spec> spec, unit_limits limits, std::int64_t unit_id)
      : doc_(std::move(spec), limits), unit_id_(unit_id),
        time_(std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count() - 3 * 24 * 3600 * 1000) {}

  // Appends `text` to a field in phrases, as `author`.
  void type(const std::string& stream, std::uint32_t author, const std::string& text, std::int64_t at = -1) {
    auto u16 = text::utf8_to_utf16(text);
    std::size_t start = 0;
    while (start < u16.size()) {
      auto end = u16.find(u' ', start + 12);
      end = end == std::u16string::npos ? u16.size() : end + 1;
      auto len = static_cast<std::int64_t>(doc_.find_stream(stream)->text.size());
      auto pos = at < 0 ? len : at;
      push(stream, author, text::change_set::replace(len, pos, pos, u16.substr(start, end - start)));
      if (at >= 0) at += static_cast<std::int64_t>(end - start);
      start = end;
    }
  }
  // Replaces the first occurrence of `from` in a field by `to`, as `author`.
  void revise(const std::string& stream, std::uint32_t author, const std::string& from, const std::string& to) {
    auto text = doc_.find_stream(stream)->text.to_u16();
    auto pos = text.find(text::utf8_to_utf16(from));
    if (pos == std::u16string::npos) return;
    auto len = static_cast<std::int64_t>(text.size());
    auto p = static_cast<std::int64_t>(pos);
    push(stream, author,
         text::change_set::replace(len, p, p + static_cast<std::int64_t>(text::utf8_to_utf16(from).size()),
                                   text::utf8_to_utf16(to)));
  }
  void command(std::uint32_t author, const nlohmann::json& cmd) {
    time_ += 20'000;
    auto c = command::from_json(cmd);
    auto u = doc_.apply(c, client_of(author), ++seq_, author, time_);
    rows_.push_back({0, unit_id_, 1, {}, u->version, author, client_of(author), seq_, time_, c.to_json().dump()});
  }
  std::vector<store::op_row>& rows() { return rows_; }

private:
  static std::string client_of(std::uint32_t author) { return "demo-" + std::to_string(author); }
  void push(const std::string& stream, std::uint32_t author, text::change_set c) {
    time_ += 1'500;
    std::vector<incoming_update> one(1);
    one[0].client_id = client_of(author);
    one[0].seq = ++seq_;
    one[0].changes = std::move(c);
    std::vector<std::shared_ptr<const text_update>> accepted;
    doc_.push(stream, doc_.find_stream(stream)->version, std::move(one), author, time_, accepted);
    for (const auto& u : accepted)
      rows_.push_back({0, unit_id_, 0, u->stream, u->version, author, u->client_id, u->seq, u->time, u->changes_json});
  }

  unit_doc doc_;
  std::int64_t unit_id_;
  std::int64_t time_;
  std::uint64_t seq_ = 0;
  std::vector<store::op_row> rows_;
};

}  // namespace

const demo_account& demo_seed::librarian() {
  static const demo_account a{"librarian", "coplan-demo", "Maya Okafor", "librarian"};
  return a;
}

const demo_account& demo_seed::teacher() {
  static const demo_account a{"teacher", "coplan-demo", "Daniel Reyes", "teacher"};
  return a;
}

bool demo_seed::run_if_empty(unit_registry& registry, store::account_store& accounts, store::op_log_writer& writer,
                             const auth::password_hasher& hasher) {
  if (accounts.user_count() > 0) return false;
  const auto& l = librarian();
  const auto& t = teacher();
  auto lib = accounts.create_user(l.username, l.name, l.role, hasher.hash(l.password));
  auto tea = accounts.create_user(t.username, t.name, t.role, hasher.hash(t.password));
  auto partnership = accounts.create_partnership("Okafor & Reyes, Grade 7", {lib, tea});
  auto unit = registry.create_unit(partnership, "ubd", "Is our creek water safe?", tea, {lib, tea});

  auto L = static_cast<std::uint32_t>(lib), T = static_cast<std::uint32_t>(tea);
  script s(registry.templates().find("ubd"), registry.limits(), unit.id);
  s.command(T, {{"op", "set"}, {"block", "unit"}, {"field", "grade"}, {"value", "7"}});
  s.command(T, {{"op", "set"}, {"block", "unit"}, {"field", "subject"}, {"value", "Life science"}});
  s.command(L, {{"op", "set"}, {"block", "unit"}, {"field", "students"}, {"value", 54}});
  s.command(T, {{"op", "set"}, {"block", "unit"}, {"field", "phase"}, {"value", "plan"}});
  s.command(L, {{"op", "set"}, {"block", "unit"}, {"field", "aasl"}, {"value", {"I.A.1", "I.B.1", "IV.A.2", "IV.B.3"}}});
  s.type("unit.goals", T,
         "Students investigate how human activity changes water quality in a local watershed and use evidence "
         "to argue for a solution.");
  s.type("unit.understandings", T, "Water quality depends on everything that happens upstream.\n");
  s.type("unit.understandings", L,
         "A claim about the creek is only as strong as the sources and data behind it.");
  s.type("unit.essential_questions", L,
         "How do we know whether water is safe?\nWho decides what counts as clean, and on what evidence?");
  s.revise("unit.essential_questions", T, "How do we know", "How can we find out");
  auto resource = [&](std::uint32_t who, const std::string& id, const std::string& after, const std::string& kind,
                      const std::string& title, const std::string& notes) {
    s.command(who, {{"op", "add_block"}, {"list", "resources"}, {"id", id}, {"after", after.empty() ? nlohmann::json() : nlohmann::json(after)},
                    {"values", {{"kind", kind}, {"curated_by", who}}}});
    s.type(id + ".title", who, title);
    if (!notes.empty()) s.type(id + ".notes", who, notes);
  };
  resource(L, "res-county", "", "database", "County water-testing reports (library database)",
           "Students compare their own readings with ten years of county data.");
  resource(L, "res-guide", "res-county", "book", "Field guide to freshwater invertebrates", "");
  resource(T, "res-kit", "res-guide", "material", "Water-testing kits (science storeroom)", "Six kits, one per team.");
  s.type("unit.performance_task", T,
         "Teams test a creek sample, compare it with county records, and present a recommendation to the town "
         "council.");
  s.type("unit.criteria", L, "Sources are cited and evaluated for reliability.\n");
  s.type("unit.criteria", T, "Data tables are complete and the claim follows from them.");
  s.command(T, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson-intro"}, {"after", nullptr}});
  s.command(L, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson-sources"}, {"after", "lesson-intro"}});
  s.type("lesson-intro.title", T, "What is in our water?");
  s.type("lesson-sources.title", L, "Finding and judging sources");
  s.command(T, {{"op", "set"}, {"block", "lesson-intro"}, {"field", "begin_approach"}, {"value", "teaming"}});
  s.command(T, {{"op", "set"}, {"block", "lesson-intro"}, {"field", "minutes"}, {"value", 50}});
  s.command(L, {{"op", "set"}, {"block", "lesson-sources"}, {"field", "middle_approach"}, {"value", "station"}});
  s.type("lesson-sources.middle_librarian", L, "Runs the database station: search strategies and citation.");
  s.type("lesson-sources.middle_teacher", T, "Runs the data station: reading the county reports' tables.");

  std::promise<bool> done;
  writer.append(std::move(s.rows()), [&done](bool ok, std::int64_t) { done.set_value(ok); });
  if (!done.get_future().get()) throw std::runtime_error("could not write the demo unit");
  // Loaded once and let go: closing it writes a snapshot, which is where the home page reads the
  // values of a unit nobody has open (grade, subject, phase). Regression: a new user's first home
  // page showed the demo card without its grade and subject.
  registry.open(unit);
  return true;
}

}  // namespace coplan::unit
