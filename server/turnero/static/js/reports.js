/* The reports page's charts (Chart.js, served by Turnero). The figures come from the
   page itself (#report-data, the same the tables show); without JavaScript the tables
   are the report. */
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var figures = data.figures, words = data.words;
  var brand = "#0b4fb3", accent = "#c2410c", muted = "#94a3b8";
  var palette = ["#0b4fb3", "#0f766e", "#7c3aed", "#c2410c", "#be185d", "#4d7c0f", "#475569"];
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.animation = reduced ? false : Chart.defaults.animation;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#334155";
  Chart.defaults.maintainAspectRatio = false;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }
  function labels(groups, names) {
    return groups.map(function (g) { return names ? (names[g.key] || g.key || "—") : (g.label || "—"); });
  }
  function values(groups, field) {
    return groups.map(function (g) { return g[field]; });
  }

  var hours = figures.hour.groups;
  draw("chart-hours", {
    data: {
      labels: labels(hours),
      datasets: [
        {type: "bar", label: words.arrivals, data: values(hours, "arrivals"), backgroundColor: brand, yAxisID: "y"},
        {type: "line", label: words.wait, data: values(hours, "wait_p50_min"), borderColor: accent,
         backgroundColor: accent, yAxisID: "minutes", spanGaps: true, tension: 0.25}
      ]
    },
    options: {
      scales: {
        y: {beginAtZero: true, ticks: {precision: 0}, title: {display: true, text: words.arrivals}},
        minutes: {beginAtZero: true, position: "right", grid: {drawOnChartArea: false},
                  title: {display: true, text: words.minutes}}
      },
      plugins: {legend: {position: "bottom"}}
    }
  });

  var services = figures.service.groups;
  draw("chart-services", {
    type: "bar",
    data: {
      labels: labels(services),
      datasets: [
        {label: words.service_p50, data: values(services, "service_p50_min"), backgroundColor: brand},
        {label: words.service_p90, data: values(services, "service_p90_min"), backgroundColor: muted}
      ]
    },
    options: {scales: {y: {beginAtZero: true, title: {display: true, text: words.minutes}}},
              plugins: {legend: {position: "bottom"}}}
  });

  var channels = figures.channel.groups;
  draw("chart-channels", {
    type: "doughnut",
    data: {labels: labels(channels, data.channels),
           datasets: [{data: values(channels, "arrivals"), backgroundColor: palette}]},
    options: {plugins: {legend: {position: "bottom"}}}
  });

  var plan = data.plan.hours;
  var planned = plan.length > 0 && plan[0].planned !== null;  // counters with planned hours
  draw("chart-staffing", {
    type: "bar",
    data: {labels: plan.map(function (h) { return (h.hour < 10 ? "0" : "") + h.hour + ":00"; }),
           datasets: [{label: words.counters, data: values(plan, "counters"), backgroundColor: "#0f766e"}]
             .concat(planned ? [{label: words.planned, data: values(plan, "planned"), backgroundColor: "#94a3b8"}] : [])},
    options: {scales: {y: {beginAtZero: true, ticks: {precision: 0},
                           suggestedMax: Math.max.apply(null, values(plan, "counters").concat([0])) + 1}},
              plugins: {legend: {display: planned, position: "bottom"}}}
  });

  draw("chart-feedback", {
    type: "bar",
    data: {labels: ["1", "2", "3", "4", "5"],
           datasets: [{label: words.ratings, data: figures.hour.total.feedback_scores,
                       backgroundColor: ["#b42318", "#c2410c", "#a16207", "#4d7c0f", "#15803d"]}]},
    options: {scales: {y: {beginAtZero: true, ticks: {precision: 0}}}, plugins: {legend: {display: false}}}
  });
})();
