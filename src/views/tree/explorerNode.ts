/**
 * Every node of the "Applications" tree, one class per kind; `type` tells them apart for the
 * commands that receive them.
 */
import type { AdapterNode } from './adapterNode';
import type { ApplicationNode } from './applicationNode';
import type { ConfigurationNode } from './configurationNode';
import type { EnvironmentNode } from './environmentNode';
import type { ErrorNode } from './errorNode';
import type { GroupNode } from './groupNode';
import type { LoadMoreNode } from './loadMoreNode';
import type { MessageNode } from './messageNode';
import type { PageNode } from './pageNode';

export type ExplorerNode = EnvironmentNode | GroupNode | AdapterNode | ApplicationNode | ConfigurationNode | PageNode | LoadMoreNode | ErrorNode | MessageNode;
