// Markdown export of a unit plan (see unit_markdown.hpp).
#include "review/unit_markdown.hpp"

#include <sstream>

namespace coplan::review {

namespace {

using nlohmann::json;

std::string choice_label(const json& tpl, const std::string& list, const std::string& id) {
  if (tpl.contains("choices") && tpl["choices"].contains(list))
    for (const auto& c : tpl["choices"][list])
      if (c["id"] == id) return c["label"];
  return id;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string unit_markdown::render(const unit::unit_doc& doc, const std::vector<unit::member_info>& members) {
  const auto& tpl = doc.spec().source();
  const auto& values = doc.unit_values();
  auto value = [&](const std::map<std::string, json>& vals, const std::string& field) -> const json* {
    auto it = vals.find(field);
    return it == vals.end() ? nullptr : &it->second;
  };
  auto name_of = [&](std::uint32_t id) {
    for (const auto& m : members)
      if (m.id == id) return m.name + " (" + m.role + ")";
    return std::string("a former member");
  };
  auto text_of = [&](const std::string& stream) {
    const auto* s = doc.find_stream(stream);
    return s ? trimmed(s->text.to_utf8()) : std::string();
  };
  auto scalar_text = [&](const json& f, const json& v) -> std::string {
    std::string kind = f.value("kind", "text");
    if (kind == "choice") return choice_label(tpl, f.value("options", ""), v.get<std::string>());
    if (kind == "codes") {
      std::string out;
      for (const auto& c : v) out += (out.empty() ? "" : ", ") + c.get<std::string>();
      return out;
    }
    if (kind == "member") return name_of(v.get<std::uint32_t>());
    return v.is_string() ? v.get<std::string>() : v.dump();
  };

  std::ostringstream md;
  auto title = value(values, "title");
  md << "# " << (title && title->is_string() ? title->get<std::string>() : std::string("Untitled unit")) << "\n\n";
  std::string partners;
  for (const auto& m : members) partners += (partners.empty() ? "" : ", ") + m.name + " (" + m.role + ")";
  md << "Planned together by " << partners << ".";
  if (auto phase = value(values, "phase")) md << " Phase: " << choice_label(tpl, "phases", phase->get<std::string>()) << ".";
  md << "\n";

  auto render_block = [&](const json& fields, const unit::block& b, const std::string& view) {
    for (const auto& f : fields) {
      std::string kind = f.value("kind", "text");
      if (f["id"] == "title") continue;  // already the heading
      if (!view.empty() && f.value("phase", view) != view) continue;
      std::string label = f.value("label", f["id"].get<std::string>());
      if (kind == "text") {
        auto t = text_of(b.id + "." + f["id"].get<std::string>());
        if (!t.empty()) md << "\n**" << label << "**\n\n" << t << "\n";
      } else if (auto v = value(b.values, f["id"])) {
        md << "\n- " << label << ": " << scalar_text(f, *v) << "\n";
      }
    }
  };

  for (const auto& phase : tpl["phases"]) {
    md << "\n## " << phase["label"].get<std::string>() << "\n";
    for (const auto& section : phase["sections"]) {
      md << "\n### " << section["label"].get<std::string>() << "\n";
      for (const auto& f : section["fields"]) {
        std::string kind = f.value("kind", "text");
        std::string id = f["id"];
        std::string label = f.value("label", id);
        if (kind == "text") {
          auto t = text_of("unit." + id);
          md << "\n**" << label << "**\n\n" << (t.empty() ? "—" : t) << "\n";
        } else if (kind == "list") {
          const auto& list_tpl = tpl["lists"][f["list"].get<std::string>()];
          md << "\n**" << label << "**\n";
          int n = 0;
          for (const auto& b : doc.list(f["list"])) {
            if (b.removed) continue;
            auto heading = text_of(b.id + ".title");
            md << "\n#### " << list_tpl.value("label", "Item") << " " << ++n << (heading.empty() ? "" : ": " + heading) << "\n";
            render_block(list_tpl["fields"], b, f.value("view", ""));
          }
          if (!n) md << "\n—\n";
        } else if (auto v = value(values, id)) {
          md << "\n- " << label << ": " << scalar_text(f, *v) << "\n";
        }
      }
    }
  }
  if (tpl.contains("credit")) md << "\n---\n\n" << tpl["credit"].get<std::string>() << "\n";
  return md.str();
}

}  // namespace coplan::review
