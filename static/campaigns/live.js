// Live campaign dashboard: KPI tiles, an hourly SVG chart and, for staff, a per-partner
// table, all fed by the campaign's WebSocket. Each snapshot carries the campaign's
// version; the page fetches the JSON snapshot over HTTP when the socket opens and when a
// version is skipped. Every text comes from data attributes that the template translated.
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const CHART = { width: 720, height: 240, left: 44, right: 44, top: 12, bottom: 28 };
  const NO_RETRY_CODES = new Set([4401, 4403, 4404]);
  const MAX_RETRY_DELAY_MS = 15000;

  function formatters(root) {
    const language = document.documentElement.lang || "es";
    const currency = root.dataset.currency || "COP";
    const timeZone = root.dataset.timeZone || undefined;
    const integer = new Intl.NumberFormat(language);
    const money = new Intl.NumberFormat(language, { style: "currency", currency: currency });
    // Earnings per click are often below one unit, so they always show two decimals,
    // even for currencies such as COP that the browser formats without them.
    const smallMoney = new Intl.NumberFormat(language, {
      style: "currency",
      currency: currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    const percent = new Intl.NumberFormat(language, {
      style: "percent",
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    const hour = new Intl.DateTimeFormat(language, {
      hour: "2-digit",
      minute: "2-digit",
      timeZone: timeZone,
    });
    const time = new Intl.DateTimeFormat(language, {
      dateStyle: "medium",
      timeStyle: "medium",
      timeZone: timeZone,
    });
    return {
      value(kind, raw) {
        if (raw === null || raw === undefined) {
          return root.dataset.emptyValue;
        }
        const number = Number(raw);
        if (kind === "money") {
          return money.format(number);
        }
        if (kind === "small-money") {
          return smallMoney.format(number);
        }
        if (kind === "percent") {
          return percent.format(number);
        }
        return integer.format(number);
      },
      integer: (number) => integer.format(number),
      hour: (iso) => hour.format(new Date(iso)),
      time: (iso) => time.format(new Date(iso)),
    };
  }

  function svgElement(name, attributes, text) {
    const element = document.createElementNS(SVG_NS, name);
    Object.entries(attributes).forEach(([key, value]) => element.setAttribute(key, value));
    if (text !== undefined) {
      element.textContent = text;
    }
    return element;
  }

  function drawChart(svg, root, format, hourly) {
    const title = svg.querySelector("title");
    svg.replaceChildren(title);
    const plotWidth = CHART.width - CHART.left - CHART.right;
    const plotHeight = CHART.height - CHART.top - CHART.bottom;
    const maxClicks = Math.max(1, ...hourly.map((point) => point.clicks));
    const maxConversions = Math.max(1, ...hourly.map((point) => point.conversions));
    const step = plotWidth / hourly.length;
    const baseline = CHART.top + plotHeight;

    svg.append(
      svgElement("line", {
        class: "live-chart__axis",
        x1: CHART.left,
        x2: CHART.left + plotWidth,
        y1: baseline,
        y2: baseline,
      }),
      svgElement(
        "text",
        { class: "live-chart__scale live-chart__scale--clicks", x: CHART.left - 6, y: CHART.top + 10, "text-anchor": "end" },
        format.integer(maxClicks),
      ),
      svgElement(
        "text",
        {
          class: "live-chart__scale live-chart__scale--conversions",
          x: CHART.left + plotWidth + 6,
          y: CHART.top + 10,
          "text-anchor": "start",
        },
        format.integer(maxConversions),
      ),
    );

    const linePoints = [];
    hourly.forEach((point, index) => {
      const x = CHART.left + index * step;
      const barHeight = (point.clicks / maxClicks) * plotHeight;
      const bar = svgElement("rect", {
        class: "live-chart__bar",
        x: (x + step * 0.15).toFixed(1),
        y: (baseline - barHeight).toFixed(1),
        width: (step * 0.7).toFixed(1),
        height: barHeight.toFixed(1),
        "data-hour": point.hour,
      });
      bar.append(
        svgElement(
          "title",
          {},
          `${format.hour(point.hour)} · ${root.dataset.clicksLabel}: ${format.integer(point.clicks)} · ` +
            `${root.dataset.conversionsLabel}: ${format.integer(point.conversions)}`,
        ),
      );
      svg.append(bar);
      const y = baseline - (point.conversions / maxConversions) * plotHeight;
      linePoints.push(`${(x + step / 2).toFixed(1)},${y.toFixed(1)}`);
      // Every third hour gets a label, counted back from the newest, which always has one.
      if ((hourly.length - 1 - index) % 3 === 0) {
        svg.append(
          svgElement(
            "text",
            { class: "live-chart__label", x: (x + step / 2).toFixed(1), y: CHART.height - 8, "text-anchor": "middle" },
            format.hour(point.hour),
          ),
        );
      }
    });
    svg.append(svgElement("polyline", { class: "live-chart__line", points: linePoints.join(" ") }));
    linePoints.forEach((pair) => {
      const [cx, cy] = pair.split(",");
      svg.append(svgElement("circle", { class: "live-chart__dot", cx: cx, cy: cy, r: 2.5 }));
    });
  }

  function renderPartners(root, format, partners) {
    const table = root.querySelector("#live-partners");
    if (!table || !partners) {
      return;
    }
    const body = table.tBodies[0];
    const rows = partners.map((partner) => {
      const row = document.createElement("tr");
      row.id = `live-partner-${partner.partner_id}`;
      const cells = [
        ["text", partner.name],
        ["integer", partner.clicks],
        ["integer", partner.conversions],
        ["percent", partner.conversion_rate],
        ["money", partner.revenue],
        ["money", partner.payout],
        ["small-money", partner.epc],
      ];
      cells.forEach(([kind, value], index) => {
        const cell = document.createElement(index === 0 ? "th" : "td");
        if (index === 0) {
          cell.scope = "row";
          cell.textContent = value;
        } else {
          cell.className = "numeric";
          cell.textContent = format.value(kind, value);
        }
        row.append(cell);
      });
      return row;
    });
    body.replaceChildren(...rows);
    const empty = root.querySelector("#live-partners-empty");
    if (empty) {
      empty.hidden = rows.length > 0;
    }
  }

  function renderKpis(root, format, kpis, highlight) {
    root.querySelectorAll("[data-kpi]").forEach((element) => {
      const text = format.value(element.dataset.format, kpis[element.dataset.kpi]);
      if (element.textContent !== text) {
        element.textContent = text;
        if (!highlight) {
          return;
        }
        const tile = element.closest(".live-kpi");
        tile.classList.remove("live-kpi--changed");
        // Reading a layout property restarts the highlight animation.
        void tile.offsetWidth;
        tile.classList.add("live-kpi--changed");
      }
    });
  }

  function start(root) {
    const format = formatters(root);
    const chart = root.querySelector("#live-chart");
    const status = root.querySelector("#live-status");
    const statusText = root.querySelector("#live-status-text");
    const updated = root.querySelector("#live-updated");
    let version = -1;
    let socket = null;
    let retries = 0;
    let fetching = null;

    function setStatus(state) {
      status.dataset.state = state;
      statusText.textContent = root.dataset[`status${state[0].toUpperCase()}${state.slice(1)}`];
    }

    function render(snapshot) {
      if (snapshot.version < version) {
        return;
      }
      // The first figures fill the page; only later changes are highlighted.
      const highlight = version >= 0;
      version = snapshot.version;
      root.dataset.version = String(version);
      renderKpis(root, format, snapshot.kpis, highlight);
      drawChart(chart, root, format, snapshot.hourly);
      renderPartners(root, format, snapshot.partners);
      updated.dateTime = snapshot.generated_at;
      updated.textContent = format.time(snapshot.generated_at);
    }

    function refetch() {
      if (fetching) {
        return fetching;
      }
      fetching = fetch(root.dataset.snapshotUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then(render)
        .catch(() => undefined)
        .finally(() => {
          fetching = null;
        });
      return fetching;
    }

    function receive(message) {
      if (message.type === "hello") {
        refetch();
        return;
      }
      if (message.type !== "snapshot" || message.version <= version) {
        return;
      }
      const missed = version >= 0 && message.version > version + 1;
      render(message);
      if (missed) {
        refetch();
      }
    }

    function connect() {
      const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(`${scheme}//${window.location.host}${root.dataset.socketPath}`);
      socket.addEventListener("open", () => {
        retries = 0;
        setStatus("live");
      });
      socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
      socket.addEventListener("close", (event) => {
        if (NO_RETRY_CODES.has(event.code)) {
          setStatus("denied");
          return;
        }
        setStatus("reconnecting");
        const delay = Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** retries);
        retries += 1;
        window.setTimeout(connect, delay);
      });
    }

    const initial = document.getElementById("live-snapshot");
    if (initial) {
      render(JSON.parse(initial.textContent));
    }
    if (!("WebSocket" in window)) {
      setStatus("unsupported");
      return;
    }
    setStatus("connecting");
    connect();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("live-dashboard");
    if (root) {
      start(root);
    }
  });
})();
