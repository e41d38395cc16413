// The collaboration log, its totals, its CSV and a coordinator's counts (see collaboration_log.hpp).
#include "review/collaboration_log.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <set>

namespace coplan::review {

namespace {

using nlohmann::json;

const std::vector<std::string>& phase_order() {
  static const std::vector<std::string> p{"plan", "teach", "assess", "reflect"};
  return p;
}

std::string text_value(const json& values, const char* field) {
  auto it = values.find(field);
  return it != values.end() && it->is_string() ? it->get<std::string>() : "";
}

json int_value(const json& values, const char* field) {
  auto it = values.find(field);
  return it != values.end() && it->is_number_integer() ? *it : json();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  auto a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// Labels of a template choice list: {id: label}.
json labels_of(const json& choices) {
  json out = json::object();
  if (choices.is_array())
    for (const auto& c : choices) out[c["id"].get<std::string>()] = c["label"];
  return out;
}

void bump(json& counts, const std::string& key, std::int64_t by = 1) {
  if (key.empty()) return;
  counts[key] = counts.value(key, std::int64_t{0}) + by;
}

std::int64_t add_if(const json& v) { return v.is_number_integer() ? v.get<std::int64_t>() : 0; }

// One CSV field: quoted when it holds a comma, quote, CR or LF (RFC 4180), and a text that a
// spreadsheet would run as a formula (= + - @ first) gets a leading apostrophe.
std::string csv_field(std::string s) {
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) s = "'" + s;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string counts_text(const json& counts, const json& labels) {
  std::string out;
  for (const auto& [k, v] : counts.items()) {
    if (!out.empty()) out += "; ";
    out += labels.contains(k) ? labels[k].get<std::string>() : k;
    out += " (" + std::to_string(v.get<std::int64_t>()) + ")";
  }
  return out;
}

}  // namespace

collaboration_log::collaboration_log(store::store& db, store::account_store& accounts, unit::unit_registry& registry,
                                     history_service& history)
    : db_(db), accounts_(accounts), registry_(registry), history_(history) {}

std::string collaboration_log::school_year(const std::string& date) {
  if (date.size() < 7) return "";
  int year = std::atoi(date.substr(0, 4).c_str()), month = std::atoi(date.substr(5, 2).c_str());
  if (year <= 0 || month < 1 || month > 12) return "";
  int first = month >= 8 ? year : year - 1;
  auto next = std::to_string((first + 1) % 100);
  if (next.size() < 2) next = "0" + next;
  return std::to_string(first) + "-" + next;
}

std::string collaboration_log::agreed_facet(std::int64_t unit_id) {
  auto db = db_.borrow();
  auto st = db->prepare("SELECT coalesce(agreed_facet, '') FROM reflections WHERE unit_id = ? AND kind = 'unit' LIMIT 1");
  st.bind(1, unit_id);
  return st.step() ? st.text(0) : "";
}

json collaboration_log::row_of(const store::unit_record& u) {
  std::vector<unit::member_info> members;
  json member_list = json::array();
  for (const auto& m : accounts_.unit_members(u.id)) {
    members.push_back({static_cast<std::uint32_t>(m.id), m.display_name, m.role});
    member_list.push_back({{"id", m.id}, {"name", m.display_name}, {"role", m.role}});
  }
  const auto& expertise = registry_.templates().expertise();
  auto report = history_.contributions(u, members, expertise);
  auto structure = history_.current_structure(u);
  const json& values = structure["values"];
  auto spec = registry_.templates().find(u.template_id);
  json tpl = spec ? spec->source() : json::object();
  json phase_labels = labels_of(tpl.contains("choices") ? tpl["choices"].value("phases", json()) : json());

  json row;
  row["id"] = u.public_id;
  row["title"] = values.contains("title") && values["title"].is_string() ? values["title"].get<std::string>() : u.title;
  row["template"] = u.template_id;
  row["archived"] = u.archived;
  row["members"] = member_list;
  auto start = text_value(values, "start_date"), end = text_value(values, "end_date");
  row["startDate"] = start;
  row["endDate"] = end;
  row["createdAt"] = u.created_at;
  row["schoolYear"] = school_year(start.empty() ? history_service::day_of(u.created_at) : start);
  row["grade"] = trim(text_value(values, "grade"));
  row["subject"] = trim(text_value(values, "subject"));
  row["course"] = trim(text_value(values, "course"));
  row["students"] = int_value(values, "students");

  // Phases: those before the current one are done; an agreed reflection completes all four.
  auto phase = text_value(values, "phase");
  if (phase.empty()) phase = "plan";
  auto facet = agreed_facet(u.id);
  auto at = std::find(phase_order().begin(), phase_order().end(), phase) - phase_order().begin();
  json done = json::array();
  for (std::size_t i = 0; i < phase_order().size(); ++i)
    if (static_cast<std::ptrdiff_t>(i) < at || !facet.empty()) done.push_back(phase_order()[i]);
  row["phase"] = phase;
  row["phaseLabel"] = phase_labels.value(phase, phase);
  row["phasesCompleted"] = done;

  // Co-teaching approaches: each lesson segment's, plus a unit-wide one (single-lesson templates).
  json approaches = report["lessons"]["approaches"];
  bump(approaches, text_value(values, "approach"));
  row["approaches"] = approaches;
  row["lessons"] = report["lessons"]["count"];

  std::set<std::string> codes;
  if (auto it = values.find("aasl"); it != values.end()) {
    if (it->is_array()) {
      for (const auto& c : *it)
        if (c.is_string()) codes.insert(c.get<std::string>());
    } else if (it->is_string()) {
      std::string s = *it;
      std::size_t p = 0;
      while (p <= s.size()) {
        auto q = s.find(',', p);
        auto code = trim(s.substr(p, q == std::string::npos ? std::string::npos : q - p));
        if (!code.empty()) codes.insert(code);
        if (q == std::string::npos) break;
        p = q + 1;
      }
    }
  }
  row["standards"] = json(std::vector<std::string>(codes.begin(), codes.end()));

  json facet_labels = labels_of(registry_.templates().reflection().contains("facets")
                                    ? registry_.templates().reflection()["facets"].value("list", json())
                                    : json());
  row["depth"] = facet.empty() ? json() : json(facet);
  row["depthLabel"] = facet.empty() ? "" : facet_labels.value(facet, facet);

  // Balance per phase: characters each member wrote that are in the unit now.
  auto balance = json::array();
  for (const auto& p : tpl.value("phases", json::array())) {
    json by = json::object();
    for (const auto& m : members) by[std::to_string(m.id)] = 0;
    for (const auto& s : report["sections"])
      if (s["phase"] == p["id"])
        for (const auto& [id, c] : s["byUser"].items())
          if (by.contains(id)) by[id] = by[id].get<std::int64_t>() + c["survives"].get<std::int64_t>();
    balance.push_back({{"phase", p["id"]}, {"label", p["label"]}, {"byUser", by}});
  }
  row["balance"] = balance;

  json labels = report["expertise"]["areas"];
  json expertise_by = json::object();
  for (const auto& [id, e] : report["expertise"]["byUser"].items()) {
    json brought = json::object(), learned = json::object();
    for (const auto& [area, n] : e["brought"].items()) brought[labels.value(area, area)] = n;
    for (const auto& [area, n] : e["learned"].items()) learned[labels.value(area, area)] = n;
    expertise_by[id] = {{"brought", brought}, {"learned", learned}};
  }
  row["expertise"] = expertise_by;
  row["outcomes"] = {{"participants", int_value(values, "participants")}, {"metExpectations", int_value(values, "met_expectations")}};
  return row;
}

json collaboration_log::totals_of(const json& rows) {
  json t = {{"units", rows.size()}, {"lessons", 0}, {"students", 0}, {"participants", 0}, {"metExpectations", 0},
            {"partners", 0}, {"approaches", json::object()}, {"standards", json::object()}, {"depth", json::object()},
            {"grades", json::object()}, {"subjects", json::object()}, {"phasesCompleted", json::object()},
            {"balance", json::object()}};
  std::set<std::int64_t> partners;
  for (const auto& r : rows) {
    t["lessons"] = t["lessons"].get<std::int64_t>() + r["lessons"].get<std::int64_t>();
    t["students"] = t["students"].get<std::int64_t>() + add_if(r["students"]);
    t["participants"] = t["participants"].get<std::int64_t>() + add_if(r["outcomes"]["participants"]);
    t["metExpectations"] = t["metExpectations"].get<std::int64_t>() + add_if(r["outcomes"]["metExpectations"]);
    if (r.contains("partners"))
      for (const auto& p : r["partners"]) partners.insert(p["id"].get<std::int64_t>());
    for (const auto& [a, n] : r["approaches"].items()) bump(t["approaches"], a, n.get<std::int64_t>());
    for (const auto& s : r["standards"]) bump(t["standards"], s.get<std::string>());
    bump(t["depth"], r["depth"].is_string() ? r["depth"].get<std::string>() : "not_agreed");
    bump(t["grades"], r["grade"].get<std::string>());
    bump(t["subjects"], r["subject"].get<std::string>());
    for (const auto& p : r["phasesCompleted"]) bump(t["phasesCompleted"], p.get<std::string>());
    // Balance per phase, by role: what librarians and teachers wrote that is in the units now.
    for (const auto& b : r["balance"]) {
      auto& phase = t["balance"][b["phase"].get<std::string>()];
      if (phase.is_null()) phase = {{"label", b["label"]}, {"byRole", json::object()}};
      for (const auto& m : r["members"]) {
        auto id = std::to_string(m["id"].get<std::int64_t>());
        if (b["byUser"].contains(id)) bump(phase["byRole"], m["role"].get<std::string>(), b["byUser"][id].get<std::int64_t>());
      }
    }
  }
  t["partners"] = partners.size();
  return t;
}

json collaboration_log::log(const store::user_record& viewer, const log_filters& filters) {
  std::set<std::string> years, grades, subjects;
  std::map<std::int64_t, json> partners;
  json rows = json::array();
  for (const auto& u : accounts_.units_for_user(viewer.id)) {
    auto row = row_of(u);
    json others = json::array();
    bool with_partner = filters.partner == 0;
    for (const auto& m : row["members"]) {
      if (m["id"] == viewer.id) continue;
      others.push_back(m);
      partners[m["id"].get<std::int64_t>()] = m;
      with_partner |= m["id"] == filters.partner;
    }
    row["partners"] = others;
    auto year = row["schoolYear"].get<std::string>(), grade = row["grade"].get<std::string>(),
         subject = row["subject"].get<std::string>();
    if (!year.empty()) years.insert(year);
    if (!grade.empty()) grades.insert(grade);
    if (!subject.empty()) subjects.insert(subject);
    if (!filters.year.empty() && row["schoolYear"] != filters.year) continue;
    if (!filters.grade.empty() && lower(grade) != lower(filters.grade)) continue;
    if (!filters.subject.empty() && lower(subject) != lower(filters.subject)) continue;
    if (!with_partner) continue;
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    auto ka = a["startDate"].get<std::string>(), kb = b["startDate"].get<std::string>();
    if (ka != kb) return ka > kb;
    return a["createdAt"].get<std::int64_t>() > b["createdAt"].get<std::int64_t>();
  });
  json partner_list = json::array();
  for (const auto& [id, m] : partners) partner_list.push_back(m);
  auto ubd = registry_.templates().find("ubd");
  json labels = {
      {"approaches", labels_of(ubd ? ubd->source()["choices"].value("approaches", json()) : json())},
      {"phases", labels_of(ubd ? ubd->source()["choices"].value("phases", json()) : json())},
      {"facets", labels_of(registry_.templates().reflection().contains("facets")
                               ? registry_.templates().reflection()["facets"].value("list", json())
                               : json())}};
  labels["facets"]["not_agreed"] = "Not agreed yet";
  auto totals = totals_of(rows);
  return {{"rows", std::move(rows)},
          {"totals", std::move(totals)},
          {"labels", std::move(labels)},
          {"filters", {{"year", filters.year}, {"grade", filters.grade}, {"subject", filters.subject}, {"partner", filters.partner}}},
          {"options",
           {{"years", std::vector<std::string>(years.rbegin(), years.rend())},
            {"grades", std::vector<std::string>(grades.begin(), grades.end())},
            {"subjects", std::vector<std::string>(subjects.begin(), subjects.end())},
            {"partners", std::move(partner_list)}}}};
}

std::string collaboration_log::to_csv(const json& log) {
  static const std::vector<std::string> header{
      "School year",       "Unit",          "Starts",           "Ends",
      "Partners",          "Grade",         "Subject",          "Course",
      "Students",          "Phase",         "Phases completed", "Lessons",
      "Co-teaching approaches (Friend & Cook)", "AASL standards", "Depth of collaboration (Montiel-Overall)",
      "Co-plan balance",   "Co-teach balance", "Co-assess balance", "Expertise brought",
      "Expertise learned", "Students taking part", "Students who met expectations"};
  const json& labels = log["labels"];
  // A UTF-8 byte-order mark first: without it spreadsheets read the file in a legacy code page and
  // garble accented names.
  std::string out = "\xEF\xBB\xBF";
  auto line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
    out += "\r\n";
  };
  line(header);
  auto num = [](const json& v) { return v.is_number_integer() ? std::to_string(v.get<std::int64_t>()) : std::string(); };
  for (const auto& r : log["rows"]) {
    std::map<std::string, std::string> names;
    for (const auto& m : r["members"]) names[std::to_string(m["id"].get<std::int64_t>())] = m["name"].get<std::string>();
    std::string partners, done, standards, brought, learned;
    for (const auto& p : r["partners"]) partners += (partners.empty() ? "" : "; ") + p["name"].get<std::string>();
    for (const auto& p : r["phasesCompleted"])
      done += (done.empty() ? "" : "; ") + labels["phases"].value(p.get<std::string>(), p.get<std::string>());
    for (const auto& s : r["standards"]) standards += (standards.empty() ? "" : "; ") + s.get<std::string>();
    std::map<std::string, std::string> balance;
    for (const auto& b : r["balance"]) {
      std::int64_t total = 0;
      for (const auto& [id, n] : b["byUser"].items()) total += n.get<std::int64_t>();
      std::string text;
      for (const auto& [id, n] : b["byUser"].items()) {
        auto pct = total ? (200 * n.get<std::int64_t>() + total) / (2 * total) : 0;  // rounded half up
        text += (text.empty() ? "" : "; ") + names[id] + " " + std::to_string(pct) + "%";
      }
      balance[b["phase"].get<std::string>()] = total ? text : "";
    }
    for (const auto& [id, e] : r["expertise"].items()) {
      // `who` copies the binding: clang 14 (the fuzz build) cannot capture structured bindings.
      auto part = [&, who = id](const json& areas) {
        std::string s;
        for (const auto& [a, n] : areas.items()) s += (s.empty() ? "" : ", ") + a;
        return s.empty() ? std::string() : names[who] + ": " + s;
      };
      auto b = part(e["brought"]), l = part(e["learned"]);
      if (!b.empty()) brought += (brought.empty() ? "" : "; ") + b;
      if (!l.empty()) learned += (learned.empty() ? "" : "; ") + l;
    }
    line({r["schoolYear"], r["title"], r["startDate"], r["endDate"], partners, r["grade"], r["subject"], r["course"],
          num(r["students"]), r["phaseLabel"], done, num(r["lessons"]), counts_text(r["approaches"], labels["approaches"]),
          standards, r["depthLabel"], balance["plan"], balance["teach"], balance["assess"], brought, learned,
          num(r["outcomes"]["participants"]), num(r["outcomes"]["metExpectations"])});
  }
  return out;
}

json collaboration_log::coordinator_summary(const store::user_record& coordinator) {
  std::vector<std::pair<std::int64_t, std::string>> schools;
  auto all_schools = accounts_.schools();
  auto mine = accounts_.coordinator_schools(coordinator.id);
  for (const auto& s : all_schools)
    if (coordinator.role == "admin" || std::find(mine.begin(), mine.end(), s.first) != mine.end()) schools.push_back(s);

  struct tally {
    std::set<std::int64_t> units, partnerships, teachers, librarians;
    json grades = json::object(), subjects = json::object(), depth = json::object(), approaches = json::object();
    std::int64_t lessons = 0, students = 0, participants = 0, met = 0;
    void add(const store::unit_record& u, const json& row) {
      if (!units.insert(u.id).second) return;
      partnerships.insert(u.partnership_id);
      for (const auto& m : row["members"]) {
        if (m["role"] == "teacher") teachers.insert(m["id"].get<std::int64_t>());
        if (m["role"] == "librarian") librarians.insert(m["id"].get<std::int64_t>());
      }
      bump(grades, row["grade"].get<std::string>());
      bump(subjects, row["subject"].get<std::string>());
      bump(depth, row["depth"].is_string() ? row["depth"].get<std::string>() : "not_agreed");
      for (const auto& [a, n] : row["approaches"].items()) bump(approaches, a, n.get<std::int64_t>());
      lessons += row["lessons"].get<std::int64_t>();
      students += add_if(row["students"]);
      participants += add_if(row["outcomes"]["participants"]);
      met += add_if(row["outcomes"]["metExpectations"]);
    }
    json to_json() const {
      return {{"units", units.size()},       {"partnerships", partnerships.size()}, {"teachersReached", teachers.size()},
              {"librarians", librarians.size()}, {"grades", grades},                {"subjects", subjects},
              {"depth", depth},              {"approaches", approaches},            {"lessons", lessons},
              {"students", students},        {"outcomes", {{"participants", participants}, {"metExpectations", met}}}};
    }
  };
  tally overall;
  json out_schools = json::array();
  std::map<std::int64_t, json> rows;  // each unit is read once
  for (const auto& [id, name] : schools) {
    tally t;
    for (const auto& u : accounts_.units_for_school(id)) {
      auto it = rows.find(u.id);
      if (it == rows.end()) it = rows.emplace(u.id, row_of(u)).first;
      t.add(u, it->second);
      overall.add(u, it->second);
    }
    auto j = t.to_json();
    j["id"] = id;
    j["name"] = name;
    out_schools.push_back(std::move(j));
  }
  json facet_labels = labels_of(registry_.templates().reflection().contains("facets")
                                    ? registry_.templates().reflection()["facets"].value("list", json())
                                    : json());
  facet_labels["not_agreed"] = "Not agreed yet";
  auto ubd = registry_.templates().find("ubd");
  return {{"schools", std::move(out_schools)},
          {"all", overall.to_json()},
          {"labels", {{"facets", facet_labels},
                      {"approaches", labels_of(ubd ? ubd->source()["choices"].value("approaches", json()) : json())}}}};
}

}  // namespace coplan::review
