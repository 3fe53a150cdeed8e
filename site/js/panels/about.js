// The About panel: what SGRU and CGRU are, how to use the page in a
// class, the CSV format, the engine, and the data's credit.

import { h, card } from "../ui.js";
import { engineText } from "./train.js";

export default {
  id: "about",
  title: "About",

  init(app) {
    this.app = app;
    this.engine = h("p", { id: "about-engine" }, "…");
    const eq = (...lines) => h("pre", { class: "eq" }, lines.join("\n"));
    app.section("about").append(
      h("div", { class: "panel-head" }, h("h2", {}, "What is this?"),
        h("p", { class: "lead" }, "A teaching and research demo of metric learning by synchronization: two recurrent networks learn a distance between motion recordings, one by comparing summaries, the other by letting two copies of itself synchronize.")),
      h("div", { class: "grid-2" },
        card("The siamese GRU (SGRU)", null,
          h("p", {}, "A gated recurrent unit (GRU) reads a window step by step and keeps a hidden state h", h("sub", {}, "t"), " of H numbers. The same GRU reads both windows of a pair, each alone; the distance of the pair is how far apart the two final states are:"),
          eq("d(x, x') = ‖h_T − h'_T‖"),
          h("p", {}, "Training pulls the final states of the same activity together and pushes different activities apart.")),
        card("The coupled GRU (CGRU)", null,
          h("p", {}, "The two copies now run as one system. At every step a coupling gate c", h("sub", {}, "t"), ", computed from both states, mixes their candidate states:"),
          eq("c_t  = σ(W_hc (h_{t−1} + h'_{t−1}) + b_hc)", "ñ_t  = (1 − c_t) ⊙ n_t + c_t ⊙ n'_t", "ñ'_t = (1 − c_t) ⊙ n'_t + c_t ⊙ n_t"),
          h("p", {}, "With c = 0 each copy is a plain GRU; with c = 0.5 both see the same candidate. Coupled chaotic systems synchronize when their inputs are alike: the CGRU learns a gate that lets similar windows synchronize (small ‖h_t − h'_t‖) and keeps different ones apart. The distance is the synchronization error at the last step. The price: every pair is its own run (a batch of 36 windows is 630 runs)."))),
      h("div", { class: "grid-2" },
        card("Using it in a class", null,
          h("ol", {},
            h("li", {}, h("b", {}, "Data:"), " look at the windows of each activity: walking has rhythm, lying down has gravity on another axis."),
            h("li", {}, h("b", {}, "Train:"), " press “Train from scratch”. For a demonstration in about a minute press “Quick demo” first (the paper's settings, 10 epochs); the full protocol (up to 100 epochs, stopping early) takes several minutes on the pure-Go engine (up to about ten: some 6 s an epoch for both networks). Watch the coupling norm and the validation accuracy."),
            h("li", {}, h("b", {}, "Compare:"), " pick two walking windows, then walking against lying: see the CGRU's two runs synchronize or not. Try a “hard positive”."),
            h("li", {}, h("b", {}, "Evaluate:"), " compare 1-NN accuracy and MAP, then add noise and see which network keeps positives and negatives apart.")),
          h("p", {}, "Everything is kept in this browser across reloads; the link in the address bar reproduces the settings of a run. Offline in a classroom, one laptop runs ", h("code", {}, "./build.sh serve --addr :8080"), " (or the cgru-serve binary) and students open its address.")),
        card("Your own data", null,
          h("p", {}, "Drop the UCI HAR zip as downloaded, or its folder. Or a CSV file with a header row and one row per time step:"),
          h("pre", { class: "code" }, "window,split,subject,label,acc_x,acc_y,acc_z\nw1,train,1,walk,0.12,-0.50,9.81\nw1,train,1,walk,0.15,-0.40,9.79\n…"),
          h("p", {}, "split is train or test; windows are consecutive rows with the same id, all of the same length; any number of channel columns. An error names the file, the line and the field."))),
      card("The engine", null, this.engine,
        h("p", {}, "The networks, their training (backpropagation through time, Adam) and the metrics are written in Go and compiled to WebAssembly; they run in a Web Worker, so the page stays responsive. With WebGPU the forward and backward passes run as compute shaders on the GPU; otherwise the pure-Go engine runs on one thread, its matrix products on WebAssembly SIMD. Train › Engine chooses: automatic (WebGPU on a hardware GPU whose self-test passes; the CPU engine when the browser's WebGPU is only emulated in software, such as SwiftShader, since that is slower than the CPU engine), WebGPU (any adapter, software ones too), or the CPU. The same code is the cgru command-line tool, which trains on the full dataset with all cores: a model saved here loads there and back.")),
      card("Credits", null,
        h("p", {}, "Data: the UCI Human Activity Recognition Using Smartphones dataset — D. Anguita, A. Ghio, L. Oneto, X. Parra and J. L. Reyes-Ortiz, “A Public Domain Dataset for Human Activity Recognition Using Smartphones”, ESANN 2013; UCI Machine Learning Repository; CC BY 4.0. The embedded subset holds 72 training and 36 test windows of each activity, unchanged."),
        h("p", {}, "Charts: uPlot (MIT). Nothing on this page is fetched from elsewhere, and nothing you load leaves your browser.")),
    );
    const update = () => {
      const e = app.engineInfo;
      this.engine.textContent = e ? `Now: ${engineText(e)}. Version ${app.engine.version}.` : "choosing…";
    };
    app.on("engine", update);
    update();
  },
};
