"""Hugging Face baseline on the same GPU, in the same run as bench_cuda (bench/gpu/run.sh).

AlbertForQuestionAnswering in albert-base-v2 shape (hidden 768, 12 heads, intermediate 3072,
gelu_new), random weights (nothing is downloaded), batch 1 and 8, sequence 384 and 128, eager
PyTorch in fp32 and fp16: the setup of ../shared/fixtures/hf-albert/README.md's reference table.
Median of 50 runs after 10 warm-ups, each timed with torch.cuda.synchronize() around the call.
"""
import statistics
import time

import torch
from transformers import AlbertConfig, AlbertForQuestionAnswering


def main() -> None:
    if not torch.cuda.is_available():
        print("no CUDA device: skipped")
        return
    cfg = AlbertConfig(vocab_size=30000, embedding_size=128, hidden_size=768, num_hidden_layers=12,
                       num_attention_heads=12, intermediate_size=3072, hidden_act="gelu_new",
                       max_position_embeddings=512)
    torch.manual_seed(0)
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    print("| precision | attention | batch | seq | HF 12 layers ms (median) |")
    print("|---|---|---|---|---|")
    for impl in ("eager", "sdpa"):
        for dtype, name in ((torch.float16, "fp16"), (torch.float32, "fp32")):
            try:
                model = AlbertForQuestionAnswering._from_config(cfg, attn_implementation=impl)
            except Exception as e:  # an older transformers without this attention kind
                print(f"| {name} | {impl} | - | - | not available: {e} |")
                continue
            model = model.to("cuda", dtype).eval()
            for batch, seq in ((1, 384), (1, 128), (8, 384), (8, 128)):
                ids = torch.randint(5, 30000, (batch, seq), device="cuda")
                mask = torch.ones_like(ids)
                times = []
                with torch.inference_mode():
                    for r in range(60):
                        torch.cuda.synchronize()
                        t0 = time.perf_counter()
                        model(input_ids=ids, attention_mask=mask)
                        torch.cuda.synchronize()
                        if r >= 10:
                            times.append((time.perf_counter() - t0) * 1e3)
                print(f"| {name} | {impl} | {batch} | {seq} | {statistics.median(times):.3f} |")


if __name__ == "__main__":
    main()
