<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule model-name-child, downgrade, for libvirt peers the data file's rule
  entry names (1.2.19 and later).  The implementation is pinned in a
  <model name> child, written as the controller's first child and indented
  like its siblings, so a newer peer cannot pick another device:
    <controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <model name='ioh3420'/>
    </controller>
  Inverse: model-name-child.upgrade.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <!-- model: the implementation to pin, the controller's own unless replaced (downgrade.xsl). -->
  <xsl:template name="model-name-child.downgrade">
    <xsl:param name="model" select="string(@model)"/>
    <dc:converted rule="model-name-child">
      <xsl:copy>
        <xsl:copy-of select="@*[name() != 'subType' and name() != 'model']"/>
        <xsl:attribute name="model">
          <xsl:value-of select="@subType"/>
        </xsl:attribute>
        <model name="{$model}"/>
      </xsl:copy>
    </dc:converted>
  </xsl:template>
</xsl:stylesheet>
