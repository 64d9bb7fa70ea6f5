// `movienight night`: the movie night itself. People are MovieLens users (--user) or liked titles
// (--like "Toy Story" starts a new person; --like "2:Heat" adds to person 2), with an optional mood;
// out come k movies, each with the facts behind it and a snack.
#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/data_source.h"
#include "cli/title_resolve.h"
#include "rank/night.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/text.h"

namespace mn::cli {
namespace {

// "2:Heat" -> (2, "Heat"); "Heat" -> (0, "Heat"). Person numbers are 1-based.
std::pair<int, std::string> person_prefix(const std::string& text) {
  const std::size_t colon = text.find(':');
  if (colon != std::string::npos && colon > 0 && colon <= 2) {
    int n = 0;
    bool digits = true;
    for (std::size_t i = 0; i < colon; ++i) {
      if (text[i] < '0' || text[i] > '9')
        digits = false;
      else
        n = n * 10 + (text[i] - '0');
    }
    if (digits && n >= 1) return {n, std::string(trim(text.substr(colon + 1)))};
  }
  return {0, text};
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

void add_night_command(CLI::App& app) {
  struct Options {
    DataSource source;
    std::vector<std::int64_t> users;
    std::vector<std::string> likes, dislikes;
    std::string names;
    std::string mood;
    int k = 10;
    bool json = false;
    bool double_feature = false;
    std::string models;
    std::string cache_dir;
    NightOptions night;
    int threads = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("night", "movie night: people and a mood in, movies with reasons and snacks out");
  o->source.add_options(*cmd);
  cmd->add_option("--user", o->users, "a userId of the data: one person (repeatable)");
  cmd->add_option(
      "--like", o->likes,
      "a liked title: \"Toy Story\" starts a new person, \"2:Heat\" adds to person 2 (repeatable)");
  cmd->add_option("--dislike", o->dislikes, "a disliked title of a person: \"1:Titanic\" (repeatable)");
  cmd->add_option("--names", o->names, "display names in person order, e.g. \"Alice,Bob\"");
  cmd->add_option(
      "--mood", o->mood,
      "cozy, romantic, funny, scary, tense, mind-bending, feel-good, family, epic, sad, action, or words");
  cmd->add_option("--k", o->k, "how many movies")->check(CLI::Range(1, 100))->capture_default_str();
  cmd->add_flag("--double", o->double_feature,
                "double features: pairs of movies that go well back to back, one snack each");
  cmd->add_flag("--json", o->json, "print the API's JSON");
  cmd->add_option("--models", o->models,
                  "trained models (a folder from `movienight fit --model blend`); default: fit and cache");
  cmd->add_option("--cache-dir", o->cache_dir,
                  "cache folder (default $MOVIENIGHT_CACHE, ~/.cache/movienight)");
  cmd->add_option("--aggregation", o->night.aggregation, "average, least-misery, most-pleasure, fair")
      ->check(CLI::IsMember({"average", "least-misery", "most-pleasure", "fair"}))
      ->capture_default_str();
  cmd->add_option("--fusion", o->night.fusion, "blend (weighted z-scores) or rrf")
      ->check(CLI::IsMember({"blend", "rrf"}))
      ->capture_default_str();
  cmd->add_option("--mmr-lambda", o->night.mmr_lambda, "relevance against diversity (1: no diversity)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--candidates", o->night.candidates,
                  "candidates per source (each person's ALS, ItemKNN and content lists, and the mood)")
      ->check(CLI::Range(10, 10000))
      ->capture_default_str();
  cmd->add_option("--max-minutes", o->night.max_snack_minutes, "longest snack recipe")
      ->check(CLI::Range(1, 60))
      ->capture_default_str();
  cmd->add_option("--max-double-minutes", o->night.max_double_minutes,
                  "double features: the longest pair (both runtimes known) before a penalty")
      ->check(CLI::Range(60.0, 1440.0))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "threads (0: every core)")->capture_default_str();
  cmd->callback([o] {
    NightRequest request;
    request.mood = o->mood;
    request.k = o->k;
    request.double_feature = o->double_feature;
    request.options = o->night;
    for (const std::int64_t u : o->users) {
      Person p;
      p.user_id = u;
      request.people.push_back(p);
    }
    for (const auto& like : o->likes) {
      const auto [n, title] = person_prefix(like);
      if (n == 0) {
        Person p;
        p.likes.push_back(title);
        request.people.push_back(p);
      } else {
        if (static_cast<std::size_t>(n) > request.people.size())
          request.people.resize(static_cast<std::size_t>(n));
        request.people[static_cast<std::size_t>(n) - 1].likes.push_back(title);
      }
    }
    for (const auto& dislike : o->dislikes) {
      const auto [n, title] = person_prefix(dislike);
      const std::size_t who = n == 0 ? 1 : static_cast<std::size_t>(n);
      if (who > request.people.size())
        throw Error(ErrorKind::kInvalidInput,
                    "--dislike " + dislike + ": there is no person " + std::to_string(who));
      request.people[who - 1].dislikes.push_back(title);
    }
    if (!o->names.empty()) {
      std::size_t p = 0;
      for (const auto name : split(o->names, ",")) {
        if (p < request.people.size()) request.people[p++].name = std::string(trim(name));
      }
    }
    if (request.people.empty())
      throw Error(ErrorKind::kInvalidInput, "give the people: --user ID or --like TITLE (two or more)");

    const Dataset dataset = o->source.load();
    PlannerOptions po;
    po.models_dir = o->models;
    po.cache_dir = o->cache_dir;
    po.threads = o->threads;
    po.show_progress = !Progress::quiet();
    const NightPlanner planner(dataset, po);
    NightResult result;
    try {
      result = planner.plan(request);
    } catch (const TitleNotFound& e) {
      std::fprintf(stderr, "error: no movie matches \"%s\"\nDid you mean: %s\n", e.query().c_str(),
                   join(e.suggestions(), "; ").c_str());
      throw CLI::RuntimeError(kExitTitleNotFound);
    }
    if (o->json) {
      std::printf("%s\n", planner.to_json(result).dump(2).c_str());
      return;
    }
    std::printf("Movie night for %s", join(result.people, ", ").c_str());
    if (!o->mood.empty()) {
      std::printf(", mood \"%s\"%s", o->mood.c_str(),
                  result.moods.empty() ? "" : (" (" + join(result.moods, ", ") + ")").c_str());
    }
    std::printf("\n\n");
    for (std::size_t r = 0; r < result.items.size(); ++r) {
      const NightPick& pick = result.items[r];
      const Movie& m = dataset.catalog[pick.item];
      if (o->double_feature && r % 2 == 0) std::printf("Double feature %zu:\n", r / 2 + 1);
      std::printf("%2zu. %s  [%s]", r + 1, m.title.c_str(), join(m.genres, ", ").c_str());
      if (m.runtime > 0) std::printf("  %d min", static_cast<int>(std::lround(m.runtime)));
      std::printf("\n");
      for (const auto& w : pick.why) std::printf("    - %s\n", w.c_str());
      std::string ranks;
      for (std::size_t p = 0; p < pick.per_person_rank.size() && p < result.people.size(); ++p) {
        ranks +=
            (ranks.empty() ? "" : ", ") + result.people[p] + " #" + std::to_string(pick.per_person_rank[p]);
      }
      std::printf("    ranks: %s\n", ranks.c_str());
      if (pick.has_snack && (!o->double_feature || r % 2 == 1)) {
        std::printf("    snack: %s (%d min): %s\n", pick.snack.name.c_str(), pick.snack.minutes,
                    pick.snack.summary.c_str());
      }
    }
    const DiversityReport& d = result.diversity;
    std::printf("\ndiversity (MMR): intra-list similarity %.3f -> %.3f, genre coverage %.2f -> %.2f\n",
                d.ils_before, d.ils_after, d.genre_coverage_before, d.genre_coverage_after);
    std::string by_source;
    for (const auto& [name, n] : result.candidate_sources)
      by_source += (by_source.empty() ? "" : ", ") + name + " " + std::to_string(n);
    std::printf("candidates: %zu (proposed by %s)\n", result.candidates, by_source.c_str());
    for (const auto& note : result.notes) std::printf("note: %s\n", note.c_str());
    std::printf("took %.1f ms\n", result.took_ms);
  });
}

}  // namespace mn::cli
