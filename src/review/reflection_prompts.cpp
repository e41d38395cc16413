// Prompt selection and the suggested facet (see reflection_prompts.hpp).
#include "review/reflection_prompts.hpp"

#include <set>
#include <stdexcept>

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

const std::set<std::string>& conditions() {
  static const std::set<std::string> c{"partner_shaped_section", "you_shaped_section", "acknowledged_learning", "partner_learned",
                                       "approaches_used", "no_approaches", "shared_work", "one_sided", "outcome_counts", "always"};
  return c;
}

}  // namespace

void reflection_prompts::check_bank(const json& bank) {
  auto fail = [](const std::string& why) { throw std::runtime_error("templates/reflection.json: " + why); };
  std::set<std::string> unit_protocols;
  for (const auto& p : bank.value("protocols", json::array()))
    if (p.value("kind", "unit") == "unit") unit_protocols.insert(p.at("id").get<std::string>());
  if (!unit_protocols.count(bank.value("default_protocol", "")))
    fail("default_protocol must name a unit protocol");
  std::set<std::string> ids;
  for (const auto& rp : bank.value("record_prompts", json::array())) {
    auto id = rp.value("id", "");
    if (id.empty() || !ids.insert(id).second) fail("record prompt ids must be present and unique (" + id + ")");
    if (!conditions().count(rp.value("condition", ""))) fail("record prompt " + id + " has no known condition");
    auto protocol = rp.value("protocol", "");
    if (protocol != "any" && !unit_protocols.count(protocol))
      fail("record prompt " + id + " must name its protocol (a unit protocol's id, or \"any\")");
  }
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
  auto share_section = [&](bool of_partner) -> std::string {
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
      if (total < 40) continue;
      double share = static_cast<double>(theirs) / static_cast<double>(total);
      if (share >= 0.7 && share > best_share) best_share = share, best = s["label"];
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
  std::vector<std::string> shared_sections;
  for (const auto& s : report["sections"]) {
    bool shared = false;
    for (const auto& [uid, f] : s["byUser"].items()) shared |= f["sharedSurvives"].get<std::uint64_t>() > 0;
    if (shared && shared_sections.size() < 3) shared_sections.push_back("“" + s["label"].get<std::string>() + "”");
  }
  std::uint64_t total = 0, most = 0;
  for (const auto& [uid, f] : report["totals"].items()) {
    total += f["survives"].get<std::uint64_t>();
    most = std::max(most, f["survives"].get<std::uint64_t>());
  }
  auto participants = doc.unit_values().find("participants");
  auto met = doc.unit_values().find("met_expectations");

  for (const auto& rp : bank.at("record_prompts")) {
    if (rp.at("protocol") != "any" && rp.at("protocol") != protocol) continue;
    std::string cond = rp["condition"];
    auto v = values;
    bool on = false;
    if (cond == "partner_shaped_section") on = !(v["section"] = share_section(true)).empty();
    else if (cond == "you_shaped_section") on = !(v["section"] = share_section(false)).empty();
    else if (cond == "acknowledged_learning") on = !learned.empty(), v["areas"] = join(learned);
    else if (cond == "partner_learned") on = !taught.empty(), v["areas"] = join(taught);
    else if (cond == "approaches_used") on = !approaches.empty(), v["approaches"] = join(approaches);
    else if (cond == "no_approaches") on = report["lessons"]["count"].get<int>() > 0 && approaches.empty();
    else if (cond == "shared_work") on = !shared_sections.empty(), v["sections"] = join(shared_sections);
    else if (cond == "one_sided") on = total >= 100 && static_cast<double>(most) >= 0.8 * static_cast<double>(total);
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
  std::string facet;
  if (co_planned >= 3 && segments >= 3 && co_assessed >= 1)
    facet = integrated_before >= 2 ? "integrated_curriculum" : "integrated_instruction";
  else if (co_planned >= 1 || segments >= 1)
    facet = "cooperation";
  else
    facet = "coordination";
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
