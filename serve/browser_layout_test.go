package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cgru/cgru/internal/browsertest"
)

const headerJS = `(() => {
	const tabs = [...document.querySelectorAll("#tabs [role=tab]")];
	const nav = document.getElementById("tabs");
	const nb = nav.getBoundingClientRect();
	const badge = document.getElementById("engine-badge");
	const text = badge.querySelector(".badge-text");
	const ox = getComputedStyle(nav).overflowX;
	return {
		tabs: tabs.length,
		tab_rows: new Set(tabs.map((t) => Math.round(t.getBoundingClientRect().top))).size,
		tabs_scroll: ox === "auto" || ox === "scroll",
		tabs_overflow: nav.scrollWidth > nav.clientWidth + 1,
		hidden_tabs: tabs.filter((t) => { const r = t.getBoundingClientRect(); return r.left < nb.left - 1 || r.right > nb.right + 1 }).length,
		badge_text: badge.textContent.trim(),
		badge_clipped: text.scrollWidth > text.clientWidth + 1 || badge.scrollWidth > badge.clientWidth + 1,
		badge_right: badge.getBoundingClientRect().right,
		width: document.documentElement.clientWidth,
		header_h: document.querySelector("header.top").getBoundingClientRect().height,
		viewport_h: window.innerHeight,
	};
})()`

// TestLayout checks the header at a laptop's 1280×800 and a phone's
// 390×844, with the engine badge's texts of headless Chromium: automatic
// (the CPU: "WebGPU only in software") and WebGPU chosen ("WebGPU ·
// SwiftShader… · software"). The tabs sit on one row (at 1280 all of them
// visible; on a phone a row that scrolls sideways), and the badge shows
// its whole text inside the window.
func TestLayout(t *testing.T) {
	srv := builtSite(t, nil)
	for _, size := range []struct{ w, h int }{{1280, 800}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			b := browsertest.Start(t, browsertest.Options{WebGPU: true, Width: size.w, Height: size.h})
			p := &page{t: t, b: b, url: srv.URL + "/", webgpu: true}
			// Headless Chromium's window is at least 500 px wide: a
			// phone's width is emulated.
			p.b.Run(10*time.Second, chromedp.EmulateViewport(int64(size.w), int64(size.h)))
			p.b.Run(30*time.Second, chromedp.Navigate(p.url+"#train"))
			p.ready()
			browsertest.Wait[bool](p.b, 2*time.Minute, `!!document.getElementById("engine-badge").dataset.backend`)
			for _, engine := range []string{"auto", "webgpu"} {
				if engine == "webgpu" {
					p.eval(`const s = document.getElementById("engine-pref"); s.value = "webgpu"; s.dispatchEvent(new Event("change"))`)
					browsertest.Wait[bool](p.b, time.Minute, `document.getElementById("engine-badge").dataset.backend === "webgpu"`)
				}
				l := evalJSON[struct {
					Tabs         int     `json:"tabs"`
					TabRows      int     `json:"tab_rows"`
					TabsScroll   bool    `json:"tabs_scroll"`
					TabsOverflow bool    `json:"tabs_overflow"`
					HiddenTabs   int     `json:"hidden_tabs"`
					BadgeText    string  `json:"badge_text"`
					BadgeClipped bool    `json:"badge_clipped"`
					BadgeRight   float64 `json:"badge_right"`
					Width        float64 `json:"width"`
					HeaderH      float64 `json:"header_h"`
					ViewportH    float64 `json:"viewport_h"`
				}](p, headerJS)
				t.Logf("%s: %+v", engine, l)
				viewportShot(t, p, fmt.Sprintf("layout-%dx%d-%s", size.w, size.h, engine))
				if l.Tabs < 5 || l.TabRows != 1 {
					t.Errorf("%s: %d tabs on %d rows, want one row", engine, l.Tabs, l.TabRows)
				}
				if size.w >= 1280 && (l.TabsOverflow || l.HiddenTabs > 0) {
					t.Errorf("%s: at %d px %d tabs are out of sight", engine, size.w, l.HiddenTabs)
				}
				if l.TabsOverflow && !l.TabsScroll {
					t.Errorf("%s: the tabs overflow their row, which does not scroll", engine)
				}
				if l.BadgeClipped || l.BadgeRight > l.Width+0.5 {
					t.Errorf("%s: the badge %q is clipped (right edge %.0f of %.0f px)", engine, l.BadgeText, l.BadgeRight, l.Width)
				}
				if l.HeaderH > l.ViewportH/4 {
					t.Errorf("%s: the header is %.0f px high in a %.0f px window", engine, l.HeaderH, l.ViewportH)
				}
			}
			// Compare's two distance cards side by side on a laptop, one
			// above the other on a phone (their context texts would wrap
			// to many short lines).
			cols := browsertest.Eval[string](p.b, 10*time.Second, `getComputedStyle(document.getElementById("distances")).gridTemplateColumns`)
			t.Logf("distance cards' columns: %s", cols)
			if one := !strings.Contains(cols, "repeat(2") && len(strings.Fields(cols)) == 1; one != (size.w < 600) {
				t.Errorf("at %d px the distance cards' columns are %q", size.w, cols)
			}
			p.noProblems("layout")
		})
	}
}

// viewportShot saves what the window shows (not the full page) as a test
// artefact.
func viewportShot(t *testing.T, p *page, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.b.Ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(browsertest.ArtifactDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}
