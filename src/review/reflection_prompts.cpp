// Prompt selection and the suggested facet (see reflection_prompts.hpp).
#include "review/reflection_prompts.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "review/prompt_bank_error.hpp"
#include "text/coded_error.hpp"

namespace coplan::review {

namespace {

using nlohmann::json;

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [k, v] : values) {
    std::string key = "{" + k + "}";
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + v.size())) text.replace(at, key.size(), v);
  }
  return text;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  return out;
}

// What a number in the bank's conditions and facet rules may be.
enum class number_kind { count, positive_count, share };

struct parameter {
  const char* name;
  number_kind kind;
};

// Every condition a record prompt may have ("when"), with the parameters it needs (all required:
// the thresholds live in the bank, not here).
const std::map<std::string, std::vector<parameter>>& condition_parameters() {
  static const std::map<std::string, std::vector<parameter>> c{
      {"partner_shaped_section", {{"min_chars", number_kind::count}, {"min_share", number_kind::share}}},
      {"you_shaped_section", {{"min_chars", number_kind::count}, {"min_share", number_kind::share}}},
      {"acknowledged_learning", {}},
      {"partner_learned", {}},
      {"approaches_used", {}},
      {"no_approaches", {}},
      {"shared_work", {{"min_chars", number_kind::positive_count}, {"max_sections", number_kind::positive_count}}},
      {"one_sided", {{"min_chars", number_kind::count}, {"min_share", number_kind::share}}},
      {"outcome_counts", {}},
      {"always", {}}};
  return c;
}

// The record's figures a facet rule sets minimums for.
const std::set<std::string>& facet_measures() {
  static const std::set<std::string> m{"co_planned_sections", "lesson_segments", "co_assessed_sections", "integrated_units_before"};
  return m;
}

// "" when `v` is a number of kind `k`, else what it must be.
std::string number_problem(const json& v, number_kind k) {
  // (A whole number read from a file is unsigned; one set in code may be signed.)
  bool whole = v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
  switch (k) {
    case number_kind::count:
      return whole ? "" : "a whole number, 0 or more";
    case number_kind::positive_count:
      return whole && v.get<std::uint64_t>() >= 1 ? "" : "a whole number, 1 or more";
    case number_kind::share:
      return v.is_number() && v.get<double>() > 0 && v.get<double>() <= 1 ? "" : "a share above 0 and at most 1";
  }
  return "a number";
}

// The string at `key` of `o`, or "" when `o` is not an object or has no string there.
std::string text_at(const json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

// Throws prompt_bank_error when record prompt `id`'s condition is not {"when": a known condition,
// each of its parameters, nothing else}.
void check_condition(const std::string& id, const json& cond) {
  auto fail = [&](const std::string& why) { throw prompt_bank_error("record prompt " + id + ": " + why); };
  std::string names;
  for (const auto& [when, params] : condition_parameters()) names += (names.empty() ? "" : ", ") + when;
  auto when = text_at(cond, "when");
  auto known = condition_parameters().find(when);
  if (known == condition_parameters().end())
    fail("condition must be an object {\"when\": …} naming one of " + names + (when.empty() ? "" : " (not \"" + when + "\")"));
  std::string takes;
  for (const auto& p : known->second) {
    takes += (takes.empty() ? "" : ", ") + std::string(p.name);
    if (!cond.contains(p.name)) fail("condition " + when + " needs " + p.name);
    if (auto must = number_problem(cond[p.name], p.kind); !must.empty()) fail("condition " + when + ": " + p.name + " must be " + must);
  }
  for (const auto& [key, v] : cond.items())
    if (key != "when" && std::none_of(known->second.begin(), known->second.end(), [&](const parameter& p) { return key == p.name; }))
      fail("condition " + when + " has no parameter " + key + " (it takes " + (takes.empty() ? "none" : takes) + ")");
}

// Throws prompt_bank_error unless "facet_suggestion" is a list of rules {"facet", "all"|"any":
// {measure: minimum}}, each naming a facet of the bank, the last one holding for every unit.
void check_facet_rules(const json& bank) {
  std::set<std::string> facets;
  if (bank.contains("facets") && bank["facets"].is_object())
    for (const auto& f : bank["facets"].value("list", json::array())) facets.insert(text_at(f, "id"));
  const auto rules = bank.value("facet_suggestion", json());
  if (!rules.is_array() || rules.empty()) throw prompt_bank_error("facet_suggestion must be a list of rules, tried in order");
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto& rule = rules[i];
    auto fail = [&](const std::string& why) {
      throw prompt_bank_error("facet_suggestion rule " + std::to_string(i + 1) + " (" + text_at(rule, "facet") + "): " + why);
    };
    if (!facets.count(text_at(rule, "facet"))) fail("\"facet\" must name a facet of facets.list");
    if (rule.contains("all") == rule.contains("any")) fail("needs either \"all\" or \"any\" (the minimums it checks)");
    const char* how = rule.contains("all") ? "all" : "any";
    for (const auto& [key, v] : rule.items())
      if (key != "facet" && key != how) fail("has an unknown key " + key);
    const auto& minimums = rule[how];
    if (!minimums.is_object()) fail(std::string("\"") + how + "\" must be an object {measure: minimum}");
    if (std::string(how) == "any" && minimums.empty()) fail("\"any\" with no minimum never holds");
    for (const auto& [measure, n] : minimums.items()) {
      if (!facet_measures().count(measure)) fail("no measure " + measure);
      if (auto must = number_problem(n, number_kind::count); !must.empty()) fail(measure + " must be " + must);
    }
    if (i + 1 == rules.size() && !(std::string(how) == "all" && minimums.empty()))
      fail("the last rule must hold for every unit: \"all\": {}");
  }
}

}  // namespace

void reflection_prompts::check_bank(const json& bank) {
  auto fail = [](const std::string& why) { throw prompt_bank_error(why); };
  if (!bank.is_object()) fail("the bank must be an object");
  std::set<std::string> unit_protocols;
  for (const auto& p : bank.value("protocols", json::array()))
    if (auto kind = text_at(p, "kind"); (kind.empty() || kind == "unit") && !text_at(p, "id").empty()) unit_protocols.insert(text_at(p, "id"));
  if (!unit_protocols.count(text_at(bank, "default_protocol"))) fail("default_protocol must name a unit protocol");
  std::set<std::string> ids;
  for (const auto& rp : bank.value("record_prompts", json::array())) {
    auto id = text_at(rp, "id");
    if (id.empty() || !ids.insert(id).second) fail("record prompt ids must be present and unique (" + id + ")");
    if (text_at(rp, "text").empty()) fail("record prompt " + id + " has no text");
    if (rp.contains("action") && !rp["action"].is_boolean()) fail("record prompt " + id + ": action must be true or false");
    check_condition(id, rp.value("condition", json()));
    auto protocol = text_at(rp, "protocol");
    if (protocol != "any" && !unit_protocols.count(protocol))
      fail("record prompt " + id + " must name its protocol (a unit protocol's id, or \"any\")");
  }
  check_facet_rules(bank);
}

std::string reflection_prompts::default_protocol(const json& bank) { return bank.at("default_protocol").get<std::string>(); }

json reflection_prompts::choose(const json& bank, const std::string& protocol, const json& report, const unit::unit_doc& doc,
                                std::uint32_t viewer, const std::string& lesson_title) {
  const json* proto = nullptr;
  for (const auto& p : bank.at("protocols"))
    if (p["id"] == protocol) proto = &p;
  if (!proto) throw coded_error("unknown_protocol", "no reflection protocol " + protocol.substr(0, 40));
  auto out = json::array();
  std::map<std::string, std::string> values{{"lesson", lesson_title.empty() ? "this lesson" : "“" + lesson_title + "”"}};
  for (const auto& p : (*proto)["prompts"])
    out.push_back({{"id", p["id"]}, {"text", fill(p["text"], values)}, {"action", p.value("action", false)}, {"source", "protocol"}});
  if (proto->value("kind", "unit") == "checkin") return out;

  // What the record says, from this member's point of view.
  std::vector<std::uint32_t> others;
  std::vector<std::string> other_names;
  for (const auto& m : report["members"])
    if (m["id"].get<std::uint32_t>() != viewer) {
      others.push_back(m["id"]);
      other_names.push_back(m["name"]);
    }
  values["partner"] = join(other_names);
  // The section whose surviving text (at least min_chars of it) is most the partner's (or the
  // viewer's), when that share is at least min_share.
  auto share_section = [&](bool of_partner, const json& cond) -> std::string {
    auto min_chars = cond.at("min_chars").get<std::uint64_t>();
    auto min_share = cond.at("min_share").get<double>();
    std::string best;
    double best_share = 0;
    for (const auto& s : report["sections"]) {
      std::uint64_t total = 0, theirs = 0;
      for (const auto& [uid, f] : s["byUser"].items()) {
        auto n = f["survives"].get<std::uint64_t>();
        total += n;
        bool partner = std::stoul(uid) != viewer;
        if (partner == of_partner) theirs += n;
      }
      if (total < min_chars) continue;
      double share = static_cast<double>(theirs) / static_cast<double>(total);
      if (share >= min_share && share > best_share) best_share = share, best = s["label"];
    }
    return best;
  };
  const auto& by_user = report["expertise"]["byUser"];
  const auto& labels = report["expertise"]["areas"];
  auto area_names = [&](const json& counts) {
    std::vector<std::string> names;
    for (const auto& [id, n] : counts.items()) names.push_back(labels.value(id, id));
    return names;
  };
  std::vector<std::string> learned = by_user.contains(std::to_string(viewer)) ? area_names(by_user[std::to_string(viewer)]["learned"])
                                                                               : std::vector<std::string>{};
  std::vector<std::string> taught;
  for (const auto& t : doc.tags())
    if (!t.removed && t.by == viewer)
      for (auto who : t.acknowledged_by)
        if (who != viewer && std::find(taught.begin(), taught.end(), labels.value(t.area, t.area)) == taught.end())
          taught.push_back(labels.value(t.area, t.area));
  std::vector<std::string> approaches;
  const auto& tpl = doc.spec().source();
  for (const auto& [id, n] : report["lessons"]["approaches"].items()) {
    std::string label = id;
    if (tpl.contains("choices") && tpl["choices"].contains("approaches"))
      for (const auto& c : tpl["choices"]["approaches"])
        if (c["id"] == id) label = c["label"].get<std::string>();
    approaches.push_back(label);
  }
  // The first max_sections sections where a member's surviving text has at least min_chars the
  // partner revised.
  auto shared_sections = [&](const json& cond) {
    auto min_chars = cond.at("min_chars").get<std::uint64_t>();
    auto max_sections = cond.at("max_sections").get<std::size_t>();
    std::vector<std::string> names;
    for (const auto& s : report["sections"]) {
      bool shared = false;
      for (const auto& [uid, f] : s["byUser"].items()) shared |= f["sharedSurvives"].get<std::uint64_t>() >= min_chars;
      if (shared && names.size() < max_sections) names.push_back("“" + s["label"].get<std::string>() + "”");
    }
    return names;
  };
  std::uint64_t total = 0, most = 0;
  for (const auto& [uid, f] : report["totals"].items()) {
    total += f["survives"].get<std::uint64_t>();
    most = std::max(most, f["survives"].get<std::uint64_t>());
  }
  auto participants = doc.unit_values().find("participants");
  auto met = doc.unit_values().find("met_expectations");

  for (const auto& rp : bank.at("record_prompts")) {
    if (rp.at("protocol") != "any" && rp.at("protocol") != protocol) continue;
    const auto& condition = rp.at("condition");
    std::string cond = condition.at("when");
    auto v = values;
    bool on = false;
    if (cond == "partner_shaped_section") on = !(v["section"] = share_section(true, condition)).empty();
    else if (cond == "you_shaped_section") on = !(v["section"] = share_section(false, condition)).empty();
    else if (cond == "acknowledged_learning") on = !learned.empty(), v["areas"] = join(learned);
    else if (cond == "partner_learned") on = !taught.empty(), v["areas"] = join(taught);
    else if (cond == "approaches_used") on = !approaches.empty(), v["approaches"] = join(approaches);
    else if (cond == "no_approaches") on = report["lessons"]["count"].get<int>() > 0 && approaches.empty();
    else if (cond == "shared_work") {
      auto sections = shared_sections(condition);
      on = !sections.empty(), v["sections"] = join(sections);
    } else if (cond == "one_sided")
      on = total >= condition.at("min_chars").get<std::uint64_t>() &&
           static_cast<double>(most) >= condition.at("min_share").get<double>() * static_cast<double>(total);
    else if (cond == "outcome_counts")
      on = participants != doc.unit_values().end() && met != doc.unit_values().end(),
      v["participants"] = on ? participants->second.dump() : "", v["met"] = on ? met->second.dump() : "";
    else if (cond == "always") on = true;
    if (on) out.push_back({{"id", rp["id"]}, {"text", fill(rp["text"], v)}, {"action", rp.value("action", false)}, {"source", "record"}});
  }
  return out;
}

json reflection_prompts::suggest_facet(const json& bank, const json& report, int integrated_before) {
  int co_planned = 0, co_assessed = 0, sections_written = 0;
  for (const auto& s : report["sections"]) {
    int writers = 0;
    for (const auto& [uid, f] : s["byUser"].items()) writers += f["survives"].get<std::uint64_t>() > 0;
    if (writers > 0) ++sections_written;
    if (writers >= 2 && s["phase"] == "plan") ++co_planned;
    if (writers >= 2 && s["phase"] == "assess") ++co_assessed;
  }
  int segments = report["lessons"]["segmentsPlanned"];
  int coled = 0;
  for (const auto& [uid, l] : report["lessons"]["byUser"].items()) coled = std::max(coled, l["segmentsCoLed"].get<int>());
  // The first rule of the bank's facet_suggestion whose minimums hold (all of them, or any).
  const std::map<std::string, std::int64_t> measures{{"co_planned_sections", co_planned},
                                                     {"lesson_segments", segments},
                                                     {"co_assessed_sections", co_assessed},
                                                     {"integrated_units_before", integrated_before}};
  std::string facet;
  for (const auto& rule : bank.at("facet_suggestion")) {
    bool all = rule.contains("all");
    bool holds = all;
    for (const auto& [measure, minimum] : rule.at(all ? "all" : "any").items()) {
      bool met = measures.at(measure) >= minimum.get<std::int64_t>();
      holds = all ? holds && met : holds || met;
    }
    if (holds) {
      facet = rule.at("facet");
      break;
    }
  }
  if (facet.empty()) throw prompt_bank_error("no facet_suggestion rule holds (the last must be \"all\": {})");
  json reasons = json::array();
  reasons.push_back("Both of you wrote in " + std::to_string(co_planned) + " of the planning sections (" +
                    std::to_string(sections_written) + " sections have writing).");
  reasons.push_back(std::to_string(segments) + " lesson segments have a co-teaching approach or a lead" +
                    (coled ? ", " + std::to_string(coled) + " of them taught as a team." : "."));
  reasons.push_back(co_assessed ? "Both of you wrote in the co-assessment." : "The co-assessment was not written by both of you.");
  if (facet == "integrated_curriculum" || integrated_before > 0)
    reasons.push_back(std::to_string(integrated_before) + " earlier units of your partnership were agreed as integrated instruction or more.");
  std::string label = facet;
  for (const auto& f : bank["facets"]["list"])
    if (f["id"] == facet) label = f["label"];
  return {{"facet", facet},
          {"label", label},
          {"reasons", reasons},
          {"figures", {{"coPlannedSections", co_planned}, {"lessonSegments", segments}, {"coAssessedSections", co_assessed}}}};
}

}  // namespace coplan::review
