"""The annotate stage: one spaCy parse per article (parse.py), with the shipped fine-tuned
English NER weights loaded over the stock pipeline (tuned_ner.py)."""
