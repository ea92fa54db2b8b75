// Home: when the "Older" link comes into view, fetch the next page and append its entries, so
// the feed scrolls on; without JavaScript the link is a plain next page.
(function () {
  "use strict";

  function list(doc) {
    return doc.querySelector("[data-feed-list]");
  }

  function pager(doc) {
    return doc.querySelector("[data-feed-pager]");
  }

  function watch(link) {
    if (!("IntersectionObserver" in window)) return;
    const observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (entry) { return entry.isIntersecting; })) return;
      observer.disconnect();
      load(link.href);
    }, { rootMargin: "200px" });
    observer.observe(link);
  }

  function load(url) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        const next = new DOMParser().parseFromString(html, "text/html");
        const current = list(document);
        const more = list(next);
        if (!current || !more) return;
        more.querySelectorAll(":scope > li").forEach(function (item) {
          current.appendChild(document.importNode(item, true));
        });
        const oldPager = pager(document);
        const newPager = pager(next);
        if (oldPager) {
          if (newPager) {
            oldPager.replaceWith(document.importNode(newPager, true));
            start();
          } else {
            oldPager.remove();
          }
        }
      })
      .catch(function () {
        // The link stays: a click loads the next page the plain way.
      });
  }

  function start() {
    const nav = pager(document);
    const link = nav && nav.querySelector("a[rel=next]");
    if (link) watch(link);
  }

  start();
})();
