"""Beam's DaskRunner with side inputs as dependencies of one dask graph, and group keys
spread evenly over the partitions.

Beam's DaskRunner (2.77, 2.78) gives a DoFn its side inputs as an iterator that, when first
read, submits the side input's own dask graph again from inside the worker's task
(`DaskBagWindowedIterator._compute`). That graph is the unoptimized one, while the pipeline
itself runs as the optimized graph of its last transform, so no key is shared: every side
input recomputes everything upstream of it, the spaCy tagging included. On this pipeline (side
inputs in dedupe, the stories, the corpus names, the rollups, the quotes and the topics) a run
tagged every article five times (600 articles, 3,000 tagged).

`DaskRunner` here is Beam's runner with two changes in its translation:

- a side input is the whole collection reduced to one dask `Item` (a list of its elements),
  a dependency of the reading ParDo's tasks in the same graph: computed once, shared by every
  partition that reads it, and everything upstream of it computed once for all its consumers;
- a GroupByKey places an int key in partition `key % n` (`_spread`): dedupe's batch groups,
  keyed 0 .. n - 1, become tagging tasks of equal size, where dask's hash left some
  partitions with five groups and others with none.

The DoFns, their inputs and outputs are Beam's translation unchanged (`ParDo`,
`apply_dofn_to_bundle`), so the rows are too."""

from __future__ import annotations

import dataclasses
from typing import Any

from apache_beam.pipeline import AppliedPTransform, PipelineVisitor
from apache_beam.runners.dask import transform_evaluator as beam_dask
from apache_beam.runners.dask.dask_runner import DaskRunner as BeamDaskRunner
from apache_beam.transforms.sideinputs import SideInputMap
from dask._task_spec import Task, TaskRef
from dask.bag import Bag
from dask.bag.core import groupby_tasks
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph


@dataclasses.dataclass(frozen=True)
class _SideInput:
    """How a DoFn views a side input, and the dask Item holding all its elements."""

    view_class: type
    view_options: dict
    window_fn: Any
    elements: Any  # dask.bag.Item of a list


def _elements(partitions) -> list:
    return [element for partition in partitions for element in partition]


def _whole(bag) -> Any:
    """One dask Item: the list of every element of `bag` (in partition order)."""
    return bag.reduction(list, _elements, split_every=False, name="side-input")


def _apply_dofn(items, invoker_args, invoker_kwargs, receivers, views, *elements):
    side_inputs = [
        SideInputMap(
            view_class,
            view_options,
            [beam_dask.get_windowed_value(e, window_fn) for e in values],
        )
        for (view_class, view_options, window_fn), values in zip(views, elements, strict=True)
    ]
    return beam_dask.apply_dofn_to_bundle(
        items, invoker_args, {**invoker_kwargs, "side_inputs": side_inputs}, receivers
    )


class _ParDo(beam_dask.ParDo):
    """Beam's ParDo translation, its side inputs given as graph dependencies."""

    def apply(self, input_bag, side_inputs=None):
        if not side_inputs:
            return super().apply(input_bag, None)
        transform = self.transform
        args, kwargs = transform.raw_side_inputs
        main_input = next(iter(self.applied.main_inputs.values()))
        window_fn = main_input.windowing.windowfn if hasattr(main_input, "windowing") else None
        receivers = beam_dask.OneReceiver()
        invoker_args = [
            beam_dask.DoFnSignature(transform.fn),
            beam_dask._OutputHandler(
                window_fn=window_fn,
                main_receivers=receivers[None],
                tagged_receivers=receivers,
                per_element_output_counter=None,
                output_batch_converter=None,
                process_yields_batches=False,
                process_batch_yields_elements=False,
            ),
        ]
        invoker_kwargs = dict(
            context=beam_dask.DoFnContext(transform.label, state=None),
            input_args=list(args),
            input_kwargs=kwargs,
            user_state_context=None,
            bundle_finalizer_param=beam_dask.DoFn.BundleFinalizerParam(),
        )
        views = [(s.view_class, s.view_options, s.window_fn) for s in side_inputs]
        main = input_bag.map(beam_dask.get_windowed_value, window_fn)
        # The graph by hand, not `map_partitions(..., item)`: dask finalizes a collection
        # passed as an argument into a renamed copy of its graph, which recomputes upstream.
        # Full labels are unique in a pipeline: the name is this ParDo's alone.
        name = "apply_dofn-" + tokenize(main.name, self.applied.full_label)
        refs = [TaskRef(s.elements.key) for s in side_inputs]
        layer = {
            (name, i): Task(
                (name, i),
                _apply_dofn,
                TaskRef((main.name, i)),
                invoker_args,
                invoker_kwargs,
                receivers,
                views,
                *refs,
            )
            for i in range(main.npartitions)
        }
        graph = HighLevelGraph.from_collections(
            name, layer, dependencies=[main, *[s.elements for s in side_inputs]]
        )
        return Bag(graph, name, main.npartitions)


def _spread(key) -> int:
    """A GroupByKey's partition hash: an int key is its own hash, so consecutive int keys
    (dedupe's batch groups, 0 .. n - 1) fill the partitions evenly; other keys as dask hashes
    them. Dask's hash scattered 32 equal groups over 15 partitions as 0 to 5 groups each:
    5 to 36 s tagging tasks for 2 workers (2,000 articles)."""
    return key if type(key) is int else int(tokenize(key), 16)


class _GroupByKey(beam_dask.GroupByKey):
    """Beam's GroupByKey translation (a task-based shuffle), partitioned by `_spread`."""

    def apply(self, input_bag, side_inputs=None):
        def key(item):
            return item[0]

        def value(item):
            k, v = item
            return k, [beam_dask.defenestrate(e[1]) for e in v]

        return groupby_tasks(input_bag, key, hash=_spread).map(value)


class DaskRunner(BeamDaskRunner):
    """Beam's DaskRunner, side inputs computed once in the pipeline's graph (module doc)."""

    @staticmethod
    def to_dask_bag_visitor(bag_kwargs=None, lazy_side_inputs: bool = False) -> PipelineVisitor:
        from apache_beam import pvalue

        bag_kwargs = bag_kwargs or {}
        translations = {
            **beam_dask.TRANSLATIONS,
            beam_dask.apache_beam.ParDo: _ParDo,
            beam_dask._GroupByKeyOnly: _GroupByKey,
        }

        class Visitor(PipelineVisitor):
            def __init__(self):
                self.bags: dict[AppliedPTransform, Any] = {}

            def visit_transform(self, node: AppliedPTransform) -> None:
                op = translations.get(node.transform.__class__, beam_dask.NoOp)(
                    node, bag_kwargs=bag_kwargs
                )
                kwargs: dict[str, Any] = {"input_bag": None, "side_inputs": None}
                inputs = list(node.inputs)
                if inputs:
                    bags = []
                    for value in inputs:
                        if isinstance(value, pvalue.PBegin):
                            bags.append(None)
                        if value.producer in self.bags:
                            bags.append(self.bags[value.producer])
                    single = len(bags) == 1 and not isinstance(op, beam_dask.Flatten)
                    kwargs["input_bag"] = bags[0] if single else bags
                if node.side_inputs:
                    kwargs["side_inputs"] = [
                        _SideInput(
                            type(si),
                            si._view_options(),
                            si._window_mapping_fn,
                            _whole(self.bags[si.pvalue.producer]),
                        )
                        for si in node.side_inputs
                    ]
                self.bags[node] = op.apply(**kwargs)

        return Visitor()
